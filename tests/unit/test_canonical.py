"""Canonical JSON is what every hash in every log depends on: orjson's fast path must
write exactly the bytes `json.dumps` writes, for any value."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.canonical import canonical_bytes
from domain.events import fields_hash


def reference(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=1500, deadline=None)
@given(values)
@example({"a": 1e-05, "b": 5e-07, "c": 1e16, "d": float("nan"), "e": 2**64, "f": '\x00\x1f"\\\u2028é😀'})
@example({"z": 1, "é": 2, "\uffff": 3, "😀": 4, "A": [True, None, 0.0001, -0.0]})
def test_the_fast_path_writes_what_json_dumps_writes(value):
    assert canonical_bytes(value) == reference(value)


def test_a_lone_surrogate_is_refused_as_before():
    for writer in (canonical_bytes, reference):
        try:
            writer({"k": "\ud800"})
        except UnicodeEncodeError:
            continue
        raise AssertionError(f"{writer.__name__} wrote a lone surrogate")


def test_a_row_hashes_as_it_did_before_the_fast_path():
    # Computed with json.dumps alone, before orjson wrote any hash: a log written then
    # must verify now.
    fields = {
        "idempotency_key": "chase-2027-ITA/call",
        "workflow_id": "chase-2027-ITA",
        "run_id": "r1",
        "workflow_type": "ContributionChase",
        "subject": "ITA",
        "event_type": "chase.call_sent",
        "actor": "isu",
        "office": "isu",
        "payload": {
            "amount": "43650.00",
            "note": "Genève",
            "n": 3,
            "ratio": 0.25,
            "tiny": 1e-05,
            "big": Decimal("1.5"),
        },
    }
    when = datetime(2027, 1, 15, 8, tzinfo=timezone.utc)
    assert fields_hash(fields, 7, when, when, "0" * 64) == (
        "01a3f1313934cf57222c4f5bc1cbcfa2beda29cc1b275391bee9718aa06f8636"
    )


def test_what_orjson_refuses_is_written_by_json_dumps():
    for value in ({1: "a", 2: "b"}, {"n": 2**64}, {"n": -(2**63) - 1}, {"k": (1, 2)}, {True: None}):
        assert canonical_bytes(value) == reference(value)
