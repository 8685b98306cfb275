"""One CSV reader for the files people bring (`domain.csvfile`): the line a problem names
is the line a person finds in their editor, whatever the file holds."""

import pytest

from domain.contributions import read_budget
from domain.csvfile import Problems, rows


def test_rows_carry_the_line_they_start_on_past_blank_lines_and_quoted_breaks():
    text = '\ufeffstate,note\nITA,"two\nlines"\n\nDEU, spaced \n'
    assert list(rows(text, ["state"])) == [
        (2, {"state": "ITA", "note": "two\nlines"}),
        (5, {"state": "DEU", "note": "spaced"}),
    ]


def test_a_missing_column_is_said_before_any_row_is_read():
    with pytest.raises(ValueError, match="^line 1: the header must be state,amount$"):
        rows("state,amunt\nITA,1\n", ["state", "amount"])


def test_problems_are_said_together_by_line_and_column():
    problems = Problems()
    assert not problems
    problems.add(3, "amount", "'x' is not an amount")
    problems.add(7, "", "ITA appears twice")
    assert problems and str(problems) == "line 3, amount: 'x' is not an amount; line 7: ITA appears twice"


def test_a_budget_file_with_a_blank_line_names_the_line_a_person_sees():
    """Before one reader, rows were numbered by their place: after a blank line, every
    problem named the line above the one at fault."""
    with pytest.raises(ValueError, match="^line 4, kind: 'yearly' is neither mandatory nor voluntary$"):
        read_budget("line,amount,kind\n7a,100,mandatory\n\n7b,50,yearly\n")
