"""Routing reads over the committed reference data (loaded once for the class)."""

from datetime import date

from django.test import TestCase

from networks.models import Instrument, InstrumentParty, Membership
from networks.selectors import accepted_languages, central_authority_of, instruments_binding, networks_shared
from networks.services import reference_data_load

TODAY = date(2026, 11, 23)


def codes(items):
    return [item.code for item in items]


class ReferenceWorldTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        reference_data_load(actor=None)

    def test_colombia_united_states_bound_by_nassau_and_managua(self):
        with self.assertNumQueries(2):
            binding = instruments_binding("CO", "US", on=TODAY)
            parties = {i.code: [p.country_id for p in i.binding_parties] for i in binding}
        assert {"NASSAU1992", "MANAGUA1993", "UNTOC", "UNCAC", "VIENNA1988"} <= set(parties)
        assert parties["NASSAU1992"] == ["CO", "US"]
        assert "MEDELLIN2019" not in parties

    def test_most_specific_instrument_comes_first(self):
        binding = codes(instruments_binding("PE", "ES", on=TODAY))
        assert binding[0] == "BIL_ES_PE2000"
        assert binding.index("UNTOC") > binding.index("BIL_ES_PE2000")
        assert "MEDELLIN2019" not in binding  # Peru is not a signatory

    def test_a_signature_alone_does_not_bind(self):
        assert "MEDELLIN2019" not in codes(instruments_binding("AR", "ES", on=TODAY))
        assert "MEDELLIN2019" in codes(instruments_binding("UY", "ES", on=TODAY))

    def test_binding_depends_on_the_date(self):
        assert "MEDELLIN2019" not in codes(instruments_binding("ES", "UY", on=date(2022, 6, 1)))
        assert "MEDELLIN2019" in codes(instruments_binding("ES", "UY", on=date(2023, 1, 1)))
        InstrumentParty.objects.filter(instrument__code="MEDELLIN2019", country_id="UY").update(withdrawn_on=date(2025, 1, 1))
        assert "MEDELLIN2019" not in codes(instruments_binding("ES", "UY", on=TODAY))

    def test_unverified_parties_come_with_their_flag(self):
        nassau = next(i for i in instruments_binding("AR", "UY", on=TODAY) if i.code == "NASSAU1992")
        flags = {p.country_id: p.verified for p in nassau.binding_parties}
        assert flags == {"AR": True, "UY": False}

    def test_networks_shared_with_validity_dates(self):
        with self.assertNumQueries(2):
            shared = networks_shared("PE", "ES", on=TODAY)
            authorities = {n.code: {mm.country_id: mm.authority for mm in n.shared_memberships} for n in shared}
        assert {"IBERRED", "EUROJUST", "RFAI", "AIAMP"} <= set(authorities)
        assert "REFCO" not in authorities and "CARIN" not in authorities
        assert authorities["EUROJUST"]["PE"].code == "pe-mp"  # through its prosecution service's working arrangement
        Membership.objects.filter(network__code="IBERRED", country_id="PE").update(valid_to=date(2025, 12, 31))
        assert "IBERRED" not in codes(networks_shared("PE", "ES", on=TODAY))
        assert "IBERRED" in codes(networks_shared("PE", "ES", on=date(2025, 6, 1)))

    def test_accepted_languages_prefer_the_declaration_under_the_instrument(self):
        us = accepted_languages("US")
        assert list(us) == ["en"] and us.verified is False and "verify" in us.source
        InstrumentParty.objects.filter(instrument__code="NASSAU1992", country_id="US").update(accepted_languages=["en", "es"])
        assert "es" in accepted_languages("US", instrument="NASSAU1992")
        assert "es" not in accepted_languages("US", instrument=Instrument.objects.get(code="UNTOC"))

    def test_central_authority_default_and_under_a_treaty(self):
        assert central_authority_of("ES").code == "es-mjus-sgcji"
        assert central_authority_of("PE").code == "pe-mp-ucjie"
        assert central_authority_of("PE", instrument="BIL_ES_PE2000").code == "pe-mp"
        assert central_authority_of("PE", instrument="UNTOC").code == "pe-mp-ucjie"
        assert central_authority_of("XX") is None
