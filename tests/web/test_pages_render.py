from django.urls import reverse

from requests.models import MlaRequestState as S
from tests.requests.factories import advance, complete_draft


def test_pages_render(world, magistrate, as_user):
    req = complete_draft(world)
    c = as_user(magistrate)
    for url in [reverse("web:dashboard"), reverse("mla:new"), reverse("mla:detail", args=[req.pk]), reverse("web:search") + "?q=Lav",
                reverse("web:notifications"), reverse("web:preferences"), reverse("mla:assist") + "?requested_state=ES&kind=mla&legal_bases=UNTOC&language=es"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
    advance(world, req, S.IN_EXECUTION)
    r = c.get(reverse("mla:detail", args=[req.pk]))
    assert r.status_code == 200
    assert b"request-state" in r.content
