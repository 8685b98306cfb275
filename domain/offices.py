"""Offices: who may act in `ccm`, as the log records them.

A closed set: the Presidency (`president`), the ISU (`isu`), a Committee `member`, the
coordinators of a theme (`coordinator:<theme>`), a State Party or signatory by its
alpha-3 code, and the observer organisations listed here. `parse_actor` reads
`person@office` (or an office alone) into one `Acting`, the same way for every command.
"""

from __future__ import annotations

from domain.process import Acting, Refusal

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
    from domain.concept_notes import THEMES_BY_SLUG
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


def describe_offices() -> str:
    return (f"{', '.join(OFFICES)}, coordinator:<theme>, a State (ITA, Italy), "
            f"or an organisation ({', '.join(ORGANISATIONS)})")


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
    if "@" in text:
        person, _, office_text = text.rpartition("@")
        office = office_of(office_text)
        if office is None:
            raise Refusal(f"unknown office {office_text.strip()!r}: one of {describe_offices()}")
        return Acting(actor=person.strip(), office=office)
    if office := office_of(text):
        return Acting(office=office)
    if text and not default_office:
        raise Refusal(f"{text!r} is no office: say who acts as PERSON@OFFICE, the office one of {describe_offices()}")
    return Acting(actor=text, office=default_office)
