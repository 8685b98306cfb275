"""`ccm letters preview` and `ccm letters contacts` against a real chase: the preview
is the letter the chase would write, read back from its PDF."""

from __future__ import annotations

import json
from pathlib import Path

from activities.localise import long_date
from domain.schedule import geneva_today
from tests.conftest import wait_for
from tests.e2e.conftest import event_log
from tests.letters import pdf_of, pdf_text, read_message

NEXT = geneva_today().year + 1


def test_a_preview_is_the_chases_letter_in_the_language_asked_and_nothing_is_sent(ccm, worker, ccm_env, tmp_path):
    home = Path(ccm_env["CCM_HOME"])
    assert (
        ccm(
            "chase",
            "start",
            "--state",
            "ITA",
            "--year",
            NEXT,
            "--amount",
            "43650",
            "--arrears",
            "1200",
            "--language",
            "fr",
        ).exit_code
        == 0
    )
    call = wait_for(lambda: next((home / "outbox" / "new").glob(f"chase-{NEXT}-ITA.reminder-1@*"), None))
    sent = pdf_text(pdf_of(read_message(call)))
    assert f"UAA/{NEXT}/ITA/1" in sent and "44 850,00 CHF" in sent and "Italie" in sent
    assert (home / "outbox" / "letters" / f"{call.name}.pdf").read_bytes() == pdf_of(read_message(call))
    messages = sorted(p.name for p in (home / "outbox" / "new").iterdir())

    out = tmp_path / "call.pdf"
    r = ccm(
        "letters", "preview", "--state", "ITA", "--year", NEXT, "--letter", "call", "--language", "es", "--out", out
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"DAA/{NEXT}/ITA/1 (es): Solicitud de contribuciones {NEXT}")
    text = pdf_text(out.read_bytes())
    assert "Italia" in text and "44.850,00 CHF" in text and "Atrasos de años anteriores: 1.200,00 CHF" in text
    # The next reminder, in the chase's own language, names the call that went out.
    r = ccm(
        "letters",
        "preview",
        "--state",
        "ITA",
        "--year",
        NEXT,
        "--letter",
        "second_reminder",
        "--out",
        tmp_path / "r.pdf",
    )
    assert r.exit_code == 0 and f"UAA/{NEXT}/ITA/2 (fr)" in r.stdout
    called = long_date(geneva_today(), "fr")
    assert f"son appel à contributions du {called}" in pdf_text((tmp_path / "r.pdf").read_bytes())
    assert sorted(p.name for p in (home / "outbox" / "new").iterdir()) == messages  # nothing was written


def test_a_preview_is_the_letter_sent_word_for_word(ccm, worker, ccm_env, tmp_path):
    """`letters preview` draws what the chase would send, by the path a letter sent takes:
    the call, the President's letter and the thank-you letter read back alike from the
    letter sent and from its preview, each previewed once it went."""
    home = Path(ccm_env["CCM_HOME"])
    chase = ["--state", "AUT", "--year", NEXT]
    today = geneva_today().isoformat()
    steps = [
        ("call", "reminder-1", ["start", *chase, "--amount", "500", "--language", "es"]),
        ("president_letter", "president", ["escalate", *chase, "--reason", "before a visit", "--as", "president"]),
        ("thank_you", "paid", ["receive", *chase, "--amount", "500", "--date", today, "--reference", "AT-1"]),
    ]
    for kind, key, command in steps:
        done = ccm("chase", *command)
        assert done.exit_code == 0, done.output
        message = wait_for(lambda key=key: next((home / "outbox" / "new").glob(f"chase-{NEXT}-AUT.{key}*"), None))
        sent = pdf_text(pdf_of(read_message(message)))
        out = tmp_path / f"{kind}.pdf"
        previewed = ccm("letters", "preview", *chase, "--letter", kind, "--out", out)
        assert previewed.exit_code == 0, previewed.output
        assert pdf_text(out.read_bytes()) == sent, kind


def test_a_preview_that_cannot_be_filled_says_why_and_writes_nothing(ccm, worker, ccm_env, tmp_path):
    out = tmp_path / "x.pdf"
    cases = [
        (["--state", "NOR", "--year", NEXT], "no chase of NOR for"),
        (
            ["--state", "NOR", "--year", NEXT, "--letter", "reported_not_received", "--amount", "10"],
            "NOR reported no payment",
        ),
        (["--state", "NOR", "--year", NEXT, "--amount", "-5"], "is not a positive amount"),
        (["--state", "NOR", "--year", NEXT, "--language", "de"], "'de' is not one of"),
        (["--state", "Angola", "--year", NEXT], "not a State Party"),
        (["--state", "ITA", "--year", NEXT, "--letter", "thank_you"], "ITA has not paid in full"),
        (["--state", "PRT", "--year", NEXT], f"the chase of PRT for {NEXT} was cancelled: no letter goes to it"),
    ]
    assert ccm("chase", "start", "--state", "PRT", "--year", NEXT, "--amount", "100").exit_code == 0
    assert (
        ccm(
            "chase", "cancel", "--state", "PRT", "--year", NEXT, "--reason", "started by mistake", "--as", "president"
        ).exit_code
        == 0
    )
    wait_for(
        lambda: any(
            e.event_type == "chase.cancelled" for e in event_log(ccm_env).query(workflow_id=f"chase-{NEXT}-PRT")
        )
    )
    for args, message in cases:
        r = ccm("letters", "preview", *args, "--out", out)
        assert r.exit_code in (1, 2) and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()
    nowhere = ccm("letters", "preview", "--state", "ITA", "--year", NEXT, "--out", tmp_path / "nowhere" / "x.pdf")
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.stderr
    out.write_bytes(b"the ISU's own file")
    r = ccm("letters", "preview", "--state", "ITA", "--year", NEXT, "--out", out)
    assert r.exit_code == 2 and "exists: give --force" in r.stderr and out.read_bytes() == b"the ISU's own file"


def test_contacts_lists_the_missions_and_which_letters_would_be_held(ccm, ccm_env):
    rows = json.loads(ccm("letters", "contacts", "-o", "json").stdout)
    italy = next(r for r in rows if r["state"] == "ITA")
    assert italy["mission"].startswith("Permanent Mission of Italy") and italy["letters"] == "sent"
    assert json.loads(ccm("letters", "contacts", "--missing", "-o", "json").stdout) == []


def test_a_letter_without_an_address_is_held_listed_with_its_reason_and_the_chase_goes_on(ccm, worker, ccm_env):
    from tests.letters import write_contacts

    home = Path(ccm_env["CCM_HOME"])
    write_contacts(home / "contacts.csv", states=["ITA"])  # Malta's row is gone
    assert ccm("chase", "start", "--state", "MLT", "--year", NEXT, "--amount", "500").exit_code == 0
    rows = wait_for(lambda: json.loads(ccm("letters", "held", "--year", NEXT, "-o", "json").stdout))
    assert rows == [
        {
            "state": "MLT",
            "workflow_id": f"chase-{NEXT}-MLT",
            "letter": "call_for_contributions",
            "on": geneva_today().isoformat(),
            "reason": "address missing: MLT has no row in contacts.csv",
        }
    ]
    assert not list((home / "outbox" / "new").glob(f"chase-{NEXT}-MLT.*"))
    status = json.loads(ccm("chase", "status", "--state", "MLT", "--year", NEXT, "-o", "json").stdout)
    assert status[0]["stage"] == "invoiced"  # the chase is not stuck: it waits for its next step
    missing = json.loads(ccm("letters", "contacts", "--missing", "-o", "json").stdout)
    malta = next(r for r in missing if r["state"] == "MLT")
    assert malta["letters"] == "held: no row" and malta["mission"] == ""


def test_the_annual_cycle_writes_each_state_in_the_language_of_its_contacts_row(ccm, worker, ccm_env, tmp_path):
    from tests.letters import write_contacts

    home = Path(ccm_env["CCM_HOME"])
    write_contacts(home / "contacts.csv", languages={"BEL": "fr", "CHL": "es"})
    (home / f"budget-{NEXT}.csv").write_text("line,amount,kind\n7a,200000,mandatory\n7b,300000,voluntary\n")
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("state,amount\nBEL,9000\nCHL,4000\nIRL,3000\n")
    dry = ccm("chase", "start-all", "--year", NEXT, "--amounts", amounts, "--dry-run")
    assert dry.exit_code == 0 and "│ BEL   │ Belgium │ fr" in dry.stdout, dry.output
    assert ccm("chase", "start-all", "--year", NEXT, "--amounts", amounts).exit_code == 0
    subjects = {}
    for state in ("BEL", "CHL", "IRL"):
        call = wait_for(lambda s=state: next((home / "outbox" / "new").glob(f"chase-{NEXT}-{s}.reminder-1@*"), None))
        subjects[state] = read_message(call)["Subject"]
    assert subjects["BEL"].startswith(f"Appel à contributions {NEXT}")
    belgium = pdf_text(pdf_of(read_message(next((home / "outbox" / "new").glob(f"chase-{NEXT}-BEL.reminder-1@*")))))
    # 9,000 by the budget's lines: 40 % on 7a, not voluntary
    assert (
        "7a, 3 600,00 CHF (non volontaire : la préparation des Assemblées des États parties) ; "
        "7b, 5 400,00 CHF (volontaire et indicative)"
    ) in belgium
    assert subjects["CHL"].startswith(f"Solicitud de contribuciones {NEXT}")
    assert subjects["IRL"].startswith(f"Call for contributions {NEXT}")
    one = ccm("chase", "start", "--state", "FRA", "--year", NEXT, "--amount", "100")
    assert one.exit_code == 0  # no --language: France's row names none, so English
    write_contacts(home / "contacts.csv", languages={"LUX": "fr"})
    assert ccm("chase", "start", "--state", "LUX", "--year", NEXT, "--amount", "100").exit_code == 0
    call = wait_for(lambda: next((home / "outbox" / "new").glob(f"chase-{NEXT}-LUX.reminder-1@*"), None))
    assert read_message(call)["Subject"].startswith("Appel à contributions")


def test_contacts_missing_lists_rows_whose_letters_would_be_held_or_misdirected(ccm, ccm_env):
    from tests.letters import write_contacts

    home = Path(ccm_env["CCM_HOME"])
    write_contacts(home / "contacts.csv", emails={"ITA": "a@it.example, b@it.example"}, languages={"DEU": "de"})
    missing = {
        r["state"]: r["letters"] for r in json.loads(ccm("letters", "contacts", "--missing", "-o", "json").stdout)
    }
    assert missing == {
        "ITA": "held: the e-mail is not one address: 'a@it.example, b@it.example'",
        "DEU": "sent in en: language 'de' is not en, fr or es",
    }
