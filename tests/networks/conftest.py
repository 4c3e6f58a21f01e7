import copy
from pathlib import Path

import pytest
import yaml

from coopcases.accounts.roles import RoleCode
from networks.services import reference_data_check

SRC = "test data"


def _country(code, code3, name, tz, lang="es"):
    return {
        "code": code, "code3": code3, "region": "latin_america", "name": {"en": name},
        "official_languages": [lang], "accepted_languages": [lang], "accepted_languages_source": SRC,
        "accepted_languages_verified": False, "time_zone": tz, "holiday_calendar": code,
    }


MINI = {
    "countries.yaml": {
        "version": "t1",
        "defaults": {"source": SRC, "verified": True},
        "countries": [
            {**_country("ES", "ESP", "Spain", "Europe/Madrid"), "region": "eu"},
            _country("PE", "PER", "Peru", "America/Lima"),
            _country("AR", "ARG", "Argentina", "America/Argentina/Buenos_Aires"),
        ],
    },
    "authorities.yaml": {
        "version": "t1",
        "defaults": {"source": SRC, "verified": False},
        "authorities": [
            {"code": "es-ca", "country": "ES", "kind": "central_authority", "designated_central_authority": True, "name": "Ministerio de Justicia"},
            {"code": "pe-mp", "country": "PE", "kind": "prosecution", "name": "Ministerio Público"},
            {"code": "pe-ca", "country": "PE", "kind": "central_authority", "designated_central_authority": True, "parent": "pe-mp", "name": "UCJIE"},
            {"code": "ar-ca", "country": "AR", "kind": "central_authority", "designated_central_authority": True, "name": "Cancillería – DAJIN"},
        ],
    },
    "networks.yaml": {
        "version": "t1",
        "networks": [
            {
                "code": "IBERRED", "acronym": "IberRed", "name": {"en": "IberRed"}, "kind": "judicial",
                "carries_formal_requests": True, "request_kinds": ["mla", "informal_enquiry"], "source": SRC, "verified": True,
                "membership_defaults": {"source": SRC, "verified": True},
                "memberships": [{"country": "ES"}, {"country": "PE", "authority": "pe-ca"}, {"country": "AR"}],
            },
            {
                "code": "EJN", "acronym": "EJN", "name": {"en": "EJN"}, "kind": "judicial", "carries_formal_requests": False,
                "request_kinds": ["informal_enquiry"], "source": SRC, "verified": True,
                "memberships": [{"country": "ES", "source": SRC, "verified": True}],
            },
        ],
    },
    "instruments.yaml": {
        "version": "t1",
        "instruments": [
            {
                "code": "UNTOC", "short_name": "UNTOC", "name": {"en": "UNTOC"}, "kind": "multilateral", "in_force_on": "2003-09-29",
                "covers": ["mla"], "required_contents": ["facts_summary", "purpose"],
                "content_exemptions": {"facts_summary": ["SERVICE_OF_DOCUMENTS"]}, "sets_legal_deadlines": False,
                "source": SRC, "verified": True,
                "party_defaults": {"source": SRC, "verified": True, "dates_verified": False},
                "parties": [{"country": "ES", "in_force_on": "2003-09-29"}, {"country": "PE", "in_force_on": "2003-09-29"}],
            },
            {
                "code": "NASSAU1992", "short_name": "Nassau", "name": {"en": "Nassau"}, "kind": "regional", "in_force_on": "1996-04-14",
                "covers": ["mla"], "sets_legal_deadlines": False, "source": SRC, "verified": True,
                "party_defaults": {"source": SRC, "verified": True, "dates_verified": False},
                "parties": [{"country": "PE", "in_force_on": "1996-04-14"}, {"country": "AR", "in_force_on": "2004-01-01"}],
            },
            {
                "code": "MANAGUA1993", "short_name": "Managua", "name": {"en": "Managua"}, "kind": "regional", "parent": "NASSAU1992",
                "covers": ["mla"], "sets_legal_deadlines": False, "source": SRC, "verified": True,
                "parties": [{"country": "PE", "in_force_on": "2002-04-07", "source": SRC, "verified": True, "dates_verified": False}],
            },
        ],
    },
    "deadline_rules.yaml": {
        "version": "t1",
        "defaults": {"verified": True, "is_legal_limit": False, "roll_forward": False},
        "deadline_rules": [
            {"code": "UN_REQUESTED", "instrument": "UNTOC", "description": "as soon as possible", "trigger": "transmission", "unit": "requested_date", "source": SRC},
        ],
    },
    "offences.yaml": {
        "version": "t1",
        "offences": [{"code": "FRAUD", "name": {"en": "Fraud"}, "iccs_code": "0701", "eu_list_offence": True, "fiscal": False, "source": SRC, "verified": False}],
    },
    "measures.yaml": {
        "version": "t1",
        "measures": [{"code": "SERVICE_OF_DOCUMENTS", "name": {"en": "Service"}, "coercive": False, "instruments": ["UNTOC"], "source": SRC, "verified": True}],
    },
    "refusal_grounds.yaml": {
        "version": "t1",
        "defaults": {"discretionary": True, "postponement": False, "verified": True},
        "refusal_grounds": [
            {
                "code": "BANK_SECRECY", "name": {"en": "Bank secrecy"}, "discretionary": False, "instruments": ["UNTOC"], "source": SRC,
                "restrictions": [{"kind": "never", "explanation": "never", "source": SRC, "verified": True}],
            },
            {
                "code": "TAX_OFFENCE", "name": {"en": "Tax offence"}, "instruments": ["NASSAU1992"], "source": SRC,
                "restrictions": [{"kind": "not_between_parties", "instrument": "MANAGUA1993", "explanation": "Managua", "source": SRC, "verified": True}],
            },
        ],
    },
    "roles.yaml": {"version": "t1", "roles": [{"code": code, "description": str(label)} for code, label in RoleCode.choices]},
}


class MiniData:
    """A small, valid set of the nine files; tests change `files` and call `write()`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = copy.deepcopy(MINI)

    def write(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            (self.folder / name).write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return self.folder


@pytest.fixture
def mini(tmp_path) -> MiniData:
    data = MiniData(tmp_path / "data")
    data.write()
    return data


@pytest.fixture(scope="session")
def real_dataset():
    """The committed files, validated (no database)."""
    return reference_data_check()
