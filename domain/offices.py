"""Offices: who may act in `ccm`, as the log records them.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

A closed set: the Presidency (`president`), the ISU (`isu`), a Committee `member`, the
coordinators of a theme (`coordinator:<theme>`), a State Party or signatory by its
alpha-3 code, and the observer organisations listed here. `parse_actor` reads
`person@office` (or an office alone) into one `Acting`, the same way for every command.
"""

from __future__ import annotations

import re

from domain.process import Acting, Refusal
from domain.themes import THEMES_BY_SLUG

PRESIDENT = "president"
OFFICES = (PRESIDENT, "isu", "member")
SYNONYMS = {"presidency": PRESIDENT}
# Observer organisations that sit on the Coordination Committee or work with it.
ORGANISATIONS = {
    "ICRC": "International Committee of the Red Cross",
    "CMC": "Cluster Munition Coalition",
    "UNODA": "United Nations Office for Disarmament Affairs",
    "UNDP": "United Nations Development Programme",
    "UNMAS": "United Nations Mine Action Service",
    "GICHD": "Geneva International Centre for Humanitarian Demining",
}


def is_presidency(office: str) -> bool:
    return office == PRESIDENT or office in SYNONYMS


def office_of(text: str) -> str | None:
    """The office `text` names, as the log records it (a State in any form becomes its
    alpha-3 code), or None."""
    from domain.states import UnknownState, registry

    cleaned = text.strip()
    lowered = cleaned.lower()
    if lowered in OFFICES or lowered in SYNONYMS:
        return SYNONYMS.get(lowered, lowered)
    if lowered.startswith("coordinator:"):
        return lowered if lowered.removeprefix("coordinator:") in THEMES_BY_SLUG else None
    if cleaned.upper() in ORGANISATIONS:
        return cleaned.upper()
    if not cleaned:
        return None
    try:
        return registry().get(cleaned).alpha3
    except UnknownState:
        return None


def office_in_words(office: str, name: str = "") -> str:
    """`the ISU`, `the Presidency`, `the coordinators of Victim Assistance`, `Germany`
    (`name` when the caller knows it; a State's code otherwise)."""
    if is_presidency(office):
        return "the Presidency"
    if office == "isu":
        return "the ISU"
    if office == "member":
        return name or "a member"
    if office.startswith("coordinator:") and (t := THEMES_BY_SLUG.get(office.removeprefix("coordinator:"))):
        return f"the coordinators of {t.title}"
    return name or office


def describe_offices() -> str:
    return (
        f"{', '.join(OFFICES)}, coordinator:<theme>, a State (ITA, Italy), "
        f"or an organisation ({', '.join(ORGANISATIONS)})"
    )


def owner_of(text: str) -> str:
    """Who owns an action item: a State (in any form) or an office; a Refusal says what
    there is, with the States `text` may have meant."""
    from domain.states import registry

    if office := office_of(text):
        return office
    suggestions = " or ".join(f"{s.name} ({s.alpha3})" for s in registry().suggest(text))
    hint = f": did you mean {suggestions}?" if suggestions else ""
    raise Refusal(f"unknown State {text!r}{hint} (or an office: {describe_offices()})")


def parse_actor(text: str, default_office: str = "") -> Acting:
    """`Sheila Mweemba@isu` -> Acting("Sheila Mweemba", "isu"); `Italy` -> Acting("", "ITA");
    a bare name that is no office is the person, acting for `default_office`."""
    text = text.strip()
    if len(text) > 300 or not text.isprintable():  # a name on one line, as the log records it
        raise Refusal("who acts must be one line of at most 300 characters (PERSON@OFFICE)")
    if "@" in text:
        person, _, office_text = text.rpartition("@")
        if len(person.strip()) > 200:
            raise Refusal("a person's name is at most 200 characters")
        office = office_of(office_text)
        if office is None:
            raise Refusal(f"unknown office {office_text.strip()!r}: one of {describe_offices()}")
        return Acting(actor=person.strip(), office=office)
    if office := office_of(text):
        return Acting(office=office)
    if text and not default_office:
        raise Refusal(f"{text!r} is no office: say who acts as PERSON@OFFICE, the office one of {describe_offices()}")
    return Acting(actor=text, office=default_office)


# --- who may do what ------------------------------------------------------------------------
# (process, command) -> the roles that may send it. One table for every process, printed
# by `ccm offices` and checked in each update's validator, before anything changes.
RULES: dict[tuple[str, str], tuple[str, ...]] = {
    ("chase", "start"): ("isu",),
    ("cycle", "start"): ("isu",),
    ("chase", "record_receipt"): ("isu",),
    ("chase", "reverse_receipt"): ("isu",),
    ("chase", "correct_due"): ("isu",),
    ("chase", "report_payment"): ("isu", "state"),
    ("chase", "pledge"): ("isu", "state"),
    ("chase", "set_msp_date"): ("president", "isu"),
    ("chase", "escalate"): ("president",),
    ("chase", "waive"): ("president",),
    ("chase", "cancel"): ("president",),
    ("meeting", "start"): ("president", "isu"),
    ("meeting", "reschedule"): ("president", "isu"),
    ("meeting", "cancel"): ("president", "isu"),
    ("meeting", "propose_item"): ("any",),
    ("meeting", "record_attendance"): ("isu",),
    ("meeting", "record_agenda"): ("isu",),
    ("meeting", "set_next_meeting"): ("president", "isu"),
    ("meeting", "add_action_item"): ("president", "isu"),
    ("meeting", "circulate_minutes"): ("isu",),
    ("meeting", "approve_minutes"): ("president",),
    ("action_item", "start"): ("isu", "president"),
    ("action_item", "complete"): ("owner", "isu", "president"),
    ("action_item", "fulfil"): ("isu", "president"),
    ("action_item", "extend"): ("isu", "president"),
    ("action_item", "reassign"): ("isu", "president"),
    ("action_item", "cancel"): ("isu", "president"),
    ("concept_note", "start"): ("president", "isu"),
    ("concept_note", "submit_version"): ("coordinator",),
    ("concept_note", "comment"): ("any",),
    ("concept_note", "approve_final"): ("president",),
    ("concept_note", "submit_plan"): ("coordinator",),
    ("concept_note", "request_changes"): ("president",),
    ("concept_note", "approve_plan"): ("president",),
    ("concept_note", "set_plan_due"): ("president", "isu"),
    ("concept_note", "withdraw"): ("coordinator", "president"),
    ("obligation", "start"): ("isu",),
    ("obligation", "fulfil"): ("isu", "state"),
    ("obligation", "request_extension"): ("state", "isu"),
    ("obligation", "decide_extension"): ("president", "isu"),  # they record the MSP's decision
    ("obligation", "exempt"): ("president",),
    ("obligation", "override_due"): ("isu",),
    ("obligation", "confirm_overdue"): ("isu",),  # its record of the period is complete
    ("campaign", "start"): ("president", "isu"),
    ("campaign", "record_outreach"): ("owner", "president", "isu"),
    ("campaign", "note_meeting"): ("isu", "president"),
    ("campaign", "send_letter"): ("president",),  # the President writes, and signs
    ("campaign", "join"): ("isu",),  # as `ccm states record` records the accession
    ("campaign", "close"): ("owner", "president"),
    ("target", "start"): ("isu", "president"),
    # Commands that only record (`domain.records`), written by the worker.
    ("record", "import_contributions"): ("isu",),
    ("record", "import_letters"): ("isu",),
    ("record", "import_expenditure"): ("isu",),
    ("record", "set_budget"): ("isu",),  # as the Meeting of States Parties approved it
    ("record", "import_obligations"): ("isu",),
    ("record", "record_state"): ("isu",),
    ("record", "record_legislation"): ("isu",),  # what a source says of a State's legislation
    ("record", "record_outreach"): ("isu", "president"),  # the Committee's events, for their owners
    ("record", "record_coalition"): ("president", "isu"),  # the Presidency's Country Coalitions
    ("record", "record_coordinators"): ("isu", "president"),  # as the meetings designated them
    ("record", "import_votes"): ("isu",),  # the General Assembly's votes on the Convention's resolutions
    ("record", "record_decision"): ("president",),
    ("record", "register_key"): ("isu",),
    ("record", "revoke_key"): ("isu",),
    ("record", "store_document"): ("any",),
    ("record", "match_bank_entry"): ("isu",),
    ("record", "import_statement"): ("isu",),
    ("record", "retry_outbox"): ("isu",),
    ("record", "checkpoint"): ("isu",),  # the worker signs with its own key; a person asks for it
    ("record", "add_data"): ("isu",),
}
ROLE_NAMES = {
    "president": "the Presidency",
    "isu": "the ISU",
    "state": "the State itself",
    "owner": "the item's owner",
    "coordinator": "the theme's coordinators",
    "any": "an office",
}


def is_office(office: str) -> bool:
    """An office as the log records it (the form `office_of` gives), checked without the
    registry, so that workflow code can call it."""
    return (
        office in OFFICES
        or office in SYNONYMS
        or office in ORGANISATIONS
        or bool(re.fullmatch(r"[A-Z]{3}", office))
        or (office.startswith("coordinator:") and office.removeprefix("coordinator:") in THEMES_BY_SLUG)
    )


def _coordinators(theme_slug: str | None, coordinators: list[str] | None = None) -> list[str]:
    if coordinators is not None:
        return coordinators
    t = THEMES_BY_SLUG.get(theme_slug or "")
    return t.coordinators if t else []


def roles(
    office: str,
    state: str | None = None,
    owner: str | None = None,
    theme: str | None = None,
    coordinators: list[str] | None = None,
) -> set[str]:
    """The roles `office` holds towards one process: its State's chase, an item it owns,
    a theme it coordinates (the Presidency coordinates a theme that has no coordinators).
    `coordinators`: the theme's (or an owning theme's) coordinators in the process's term
    (`domain.office_holders`); without it, the 2016 pairs of `domain.themes`."""
    if not is_office(office):
        return set()
    held = {"any"}
    if is_presidency(office):
        held.add("president")
    if office == "isu":
        held.add("isu")
    if state and office == state:
        held.add("state")
    if owner and (
        office == owner
        or (
            owner.startswith("coordinator:")
            and office in _coordinators(owner.removeprefix("coordinator:"), coordinators)
        )
    ):
        held.add("owner")
    if theme and (
        office == f"coordinator:{theme}"
        or office in _coordinators(theme, coordinators)
        or (not _coordinators(theme, coordinators) and is_presidency(office))
    ):
        held.add("coordinator")
    return held


def who_may(
    process: str,
    command: str,
    state: str | None = None,
    owner: str | None = None,
    theme: str | None = None,
    coordinators: list[str] | None = None,
) -> str:
    """`the ISU or the State itself (ITA)`: who may send a command, in words."""

    def name(role: str) -> str:
        if role == "state" and state:
            return f"the State itself ({state})"
        if role == "owner" and owner:
            return f"the item's owner ({owner})"
        if role == "coordinator" and theme:
            return f"the theme's coordinators ({' or '.join(_coordinators(theme, coordinators)) or 'the Presidency'})"
        return ROLE_NAMES[role]

    return " or ".join(name(r) for r in RULES[(process, command)])


# Commands whose name alone would misstate what the office does.
WHAT = {"decide_extension": "record the meeting's decision on an extension"}


def permit(
    process: str,
    command: str,
    office: str,
    state: str | None = None,
    owner: str | None = None,
    theme: str | None = None,
    coordinators: list[str] | None = None,
) -> None:
    """Refuse a command its office may not send, naming who may."""
    allowed = set(RULES[(process, command)])
    if not allowed & roles(office, state, owner, theme, coordinators):
        what = WHAT.get(command, command.replace("_", " "))
        who = who_may(process, command, state, owner, theme, coordinators)
        shown = office if is_office(office) else (f"unknown office {office!r}" if office else "an unnamed office")
        raise Refusal(f"only {who} may {what}, not {shown}", code="not_permitted")
