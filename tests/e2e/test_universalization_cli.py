"""`ccm universalization` against a real dev server and a `ccm worker` process: a campaign per
target State, told of the Committee's meetings, ended by the State's accession recorded."""

from __future__ import annotations

import json
from pathlib import Path

from domain.schedule import geneva_today
from tests.conftest import wait_for  # noqa: E402


def campaigns(ccm, everything: bool = False) -> dict[str, dict]:
    listed = ccm("universalization", "list", *(["--all"] if everything else []), "-o", "json")
    assert listed.exit_code == 0, listed.output
    return {r["state"]: r for r in json.loads(listed.stdout)}


def test_a_campaign_holds_its_outreach_and_ends_when_the_states_accession_is_recorded(ccm, worker):
    started = ccm("universalization", "target", "--state", "Myanmar", "--category", "administrative")
    assert started.exit_code == 0 and started.stdout.startswith("campaign-MMR: started"), started.output
    today = geneva_today()
    wrote = ccm("universalization", "outreach", "--state", "MMR", "--kind", "letter", "--on", today,
                "--note", "The President wrote to the Head of Mission")  # fmt: skip
    assert wrote.exit_code == 0 and wrote.stdout.strip() == f"campaign-MMR: letter of {today} recorded", wrote.output
    listed = wait_for(lambda: campaigns(ccm).get("MMR"))
    assert (listed["category"], listed["outreach"], listed["last"]) == ("administrative", 1, f"{today} letter")
    assert listed["region"] == "Asia" and listed["coordinator"] == "coordinator:universalization"
    by_region = ccm("universalization", "list", "--region", "Africa", "-o", "json")
    assert "MMR" not in {r["state"] for r in json.loads(by_region.stdout)}
    future = ccm("universalization", "outreach", "--state", "MMR", "--kind", "visit", "--on", "2099-01-01",
                 "--note", "x")  # fmt: skip
    assert future.exit_code == 2 and "--on" in future.stderr, future.output  # refused where it enters

    recorded = ccm("states", "record", "--state", "Myanmar", "--event", "accession", "--deposited", today)
    assert recorded.exit_code == 0 and "its universalization campaign has ended" in recorded.stdout, recorded.output
    ended = wait_for(lambda: campaigns(ccm, everything=True).get("MMR", {}).get("stage") == "joined")
    assert ended

    bogus = ccm("universalization", "target", "--state", "LAO", "--category", "political", "--target", "x" * 10_000)
    assert bogus.exit_code == 2 and "is not a target: one of 130-by-2020, 8-new-by-7msp" in bogus.stderr
    party = ccm("universalization", "target", "--state", "Italy", "--category", "political")
    assert party.exit_code == 2 and "Italy is a State Party: there is nothing to campaign for" in party.stderr


def test_a_campaign_is_closed_with_a_reason_or_rebuilt_from_the_log(ccm, worker):
    for state in ("THA", "VNM"):
        assert ccm("universalization", "target", "--state", state, "--category", "political").exit_code == 0
    ccm("universalization", "outreach", "--state", "VNM", "--kind", "meeting", "--on", geneva_today(),
        "--note", "Met the Deputy Permanent Representative")  # fmt: skip
    closed = ccm("universalization", "close", "--state", "THA", "--reason", "no dialogue possible before the 15MSP")
    assert closed.exit_code == 0 and closed.stdout.strip() == "campaign-THA: closed", closed.output
    again = ccm("universalization", "close", "--state", "THA", "--reason", "again")
    assert again.exit_code == 1 and "the workflow has already finished" in again.stderr, again.output
    rebuilt = ccm("universalization", "rebuild", "--state", "VNM", "--reason", "its history no longer replays")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.strip() == "rebuilt campaign-VNM as generation 2 from 2 rows: open, 1 outreach"


def test_the_states_not_party_that_voted_for_the_resolution_are_listed(ccm, worker, tmp_path):
    """The Presidency "had identified States not Parties that had voted in favor of the new
    CCM Resolution": imported from the UN Digital Library's voting data (illustrative votes)."""
    from tests.unit.test_votes import HEADER, row

    votes = tmp_path / "votes.csv"
    votes.write_text(
        HEADER + row("IDN", "INDONESIA", "Y") + row("USA", "UNITED STATES", "A") + row("ITA", "ITALY", "Y")
        + row("FIN", "FINLAND", "Y")
    )  # fmt: skip
    imported = ccm("import", "votes", "--file", votes, "--resolution", "A/RES/70/54")
    assert imported.exit_code == 0 and imported.stdout.startswith("4 rows imported"), imported.output
    listed = ccm("states", "list", "--as-of", "2016-11-04", "--status", "not-party", "--voted", "yes",
                 "--resolution", "A/RES/70/54", "-o", "json")  # fmt: skip
    assert {r["alpha3"] for r in json.loads(listed.stdout)} == {"IDN", "FIN"}  # Italy is a State Party
    alone = ccm("states", "list", "--voted", "yes")
    assert alone.exit_code == 2 and "--voted and --resolution go together" in alone.stderr
    none = ccm("states", "list", "--voted", "yes", "--resolution", "A/RES/71/45")
    assert none.exit_code == 2 and "no vote on A/RES/71/45 is imported" in none.stderr


def test_the_coordinators_page_of_a_theme_gathers_its_targets_campaigns_events_and_actions(ccm, worker, ccm_env):
    from datetime import timedelta

    day = geneva_today() + timedelta(days=30)
    assert ccm("universalization", "target", "--state", "KHM", "--category", "administrative").exit_code == 0
    added = ccm("event", "add", "--title", "Universalization seminar", "--kind", "workshop", "--host", "Cambodia",
                "--place", "Phnom Penh", "--from", day, "--owner", "coordinator:universalization",
                "--theme", "universalization", "--targets", "KHM")  # fmt: skip
    assert added.exit_code == 0, added.output

    def ready():
        p = json.loads(ccm("report", "theme", "--theme", "universalization", "-o", "json").stdout)
        return p if any(c["state"] == "Cambodia" for c in p["campaigns"]) and p["actions"] else None

    page = wait_for(ready)
    assert page["coordinators"] == ["Malawi", "Peru"]  # in office now: the 12MSP's, none designated since
    as_minuted = json.loads(ccm("report", "theme", "--theme", "universalization", "--as-of", "2016-11-04",
                                "-o", "json").stdout)  # fmt: skip
    assert as_minuted["coordinators"] == ["France", "Zambia"]
    targets = [t["target"] for t in page["targets"]]
    assert targets == ["130 States Parties by 2020", "eight new States Parties by the 7MSP"]
    assert [e["title"] for e in page["events"]] == ["Universalization seminar"]
    assert any(a["text"] == "Outcome note of Universalization seminar" for a in page["actions"])
    french = ccm("report", "theme", "--theme", "universalization", "--language", "fr").stdout
    assert french.startswith("# Universalization : la page des coordonnateurs") and "## Campagnes" in french
    unknown = ccm("report", "theme", "--theme", "nothing")
    assert unknown.exit_code == 2 and "unknown theme 'nothing'" in unknown.stderr

    # Published beside the status pages, in the three languages, each naming the others.
    published = ccm("report", "publish-themes", "--theme", "universalization", "--theme", "victim-assistance")
    assert published.exit_code == 0, published.output
    site = Path(ccm_env["CCM_HOME"]) / "site"
    assert published.stdout.splitlines() == [
        f"published {site / 'theme-universalization.html'} (.fr, .es)",
        f"published {site / 'theme-victim-assistance.html'} (.fr, .es)",
    ]
    spanish = (site / "theme-universalization.es.html").read_text()
    assert '<html lang="es">' in spanish and "<h2>Campañas</h2>" in spanish and "<td>Cambodia</td>" in spanish
    assert 'hreflang="fr" href="theme-universalization.fr.html"' in spanish
    assert "Malawi, Peru" in spanish


def test_the_presidents_letter_to_a_target_state_is_previewed_then_sent_and_recorded(ccm, worker, tmp_path):
    """Indonesia signed in 2008 and has not ratified: the President's letter asks it to
    ratify; previewed here first, then drawn and sent by the worker, and the campaign
    holds it as outreach. Only the President sends it; a State with no campaign has none."""
    from tests.letters import pdf_text

    assert ccm("universalization", "target", "--state", "IDN", "--category", "political").exit_code == 0
    pdf = tmp_path / "letter.pdf"
    shown = ccm("universalization", "letter", "--state", "Indonesia", "--preview", "--out", pdf)
    assert shown.exit_code == 0 and shown.stdout.startswith("CCM-PRES/"), shown.output
    text = pdf_text(pdf.read_bytes())
    assert "which Indonesia has signed but not yet ratified" in text and "Michael Biontino" in text, text

    refused = ccm("universalization", "letter", "--state", "IDN", "--as", "isu")
    assert refused.exit_code == 1 and "only the Presidency may send letter" in refused.stderr, refused.output
    misused = ccm("universalization", "letter", "--state", "IDN", "--out", pdf)
    assert misused.exit_code == 2 and "--out goes with --preview" in misused.stderr
    none = ccm("universalization", "letter", "--state", "Chad")
    assert none.exit_code == 1 and len(none.stderr.strip().splitlines()) == 1, none.output

    sent = ccm("universalization", "letter", "--state", "IDN", "--language", "es")
    assert sent.exit_code == 0 and "is being drawn and sent" in sent.stdout, sent.output

    def arrived():
        rows = json.loads(ccm("outbox", "list", "-o", "json").stdout)
        return [r for r in rows if "Municiones en Racimo — Indonesia" in json.dumps(r, ensure_ascii=False)] or None

    assert wait_for(arrived)
    status = json.loads(ccm("universalization", "list", "-o", "json").stdout)
    [idn] = [r for r in status if r["state"] in ("IDN", "Indonesia")]
    assert idn["outreach"] in (1, "1"), idn
