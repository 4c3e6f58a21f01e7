"""A treaty may designate a body that is not a ministry-type central authority (Spain–Peru art. XVIII)."""

import pytest

from coopcases.core.exceptions import ValidationFailed
from networks import models as n
from requests import services
from tests.requests.factories import complete_draft, drafter


def test_a_body_designated_under_a_legal_basis_acts_as_central_authority(world):
    req = complete_draft(world, "PE")
    prosecution = world.authorities["pe-fecor"]
    n.InstrumentParty.objects.filter(country_id="PE", instrument__in=req.legal_bases.all()).update(central_authority=prosecution)
    updated = services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"requesting_central_authority": prosecution})
    assert updated.requesting_central_authority == prosecution


def test_an_undesignated_prosecution_service_is_refused_naming_the_field(world):
    req = complete_draft(world, "PE")
    with pytest.raises(ValidationFailed) as refused:
        services.mla_request_update(
            pk=req.pk, actor=drafter(world, req), changes={"requesting_central_authority": world.authorities["pe-fecor"]}
        )
    assert [(p.name, p.code) for p in refused.value.problems] == [("requesting_central_authority", "wrong_authority")]
