"""Factories shared by every app's tests: the reference world and users with roles."""

import factory
from factory.django import DjangoModelFactory

from coopcases.accounts.models import Role, User
from coopcases.accounts.roles import RoleCode
from networks import models as n


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = n.Country
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda i: f"X{chr(65 + i % 26)}")
    code3 = factory.LazyAttribute(lambda o: f"{o.code}X")
    name_en = factory.LazyAttribute(lambda o: f"Country {o.code}")
    region = n.Region.LATIN_AMERICA
    official_languages = ["es"]
    accepted_languages = ["es"]
    time_zone = "UTC"
    holiday_calendar = ""
    source = "test factory"


class AuthorityFactory(DjangoModelFactory):
    class Meta:
        model = n.Authority

    country = factory.SubFactory(CountryFactory)
    kind = n.AuthorityKind.PROSECUTION
    code = factory.Sequence(lambda i: f"authority-{i}")
    name = factory.Sequence(lambda i: f"Authority {i}")
    source = "test factory"

    class Params:
        central = factory.Trait(kind=n.AuthorityKind.CENTRAL_AUTHORITY)


def role(code: str) -> Role:
    obj, _ = Role.objects.get_or_create(code=code)
    return obj


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda i: f"user{i}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    authority = factory.SubFactory(AuthorityFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set([role(code) for code in extracted])
            self.__dict__.pop("role_codes", None)
        if create:
            self.save()


def magistrate(authority=None, **kw):
    return UserFactory(authority=authority or AuthorityFactory(), roles=[RoleCode.LIAISON_MAGISTRATE], **kw)


def central_officer(authority=None, **kw):
    return UserFactory(authority=authority or AuthorityFactory(central=True), roles=[RoleCode.CENTRAL_AUTHORITY_OFFICER], **kw)


def bare_mla_request(**fields):
    """An MLA request row with only what the table requires, for tests that need any subject (events,
    deadlines, notifications) and not the request workflow; real requests go through `requests.services`."""
    from requests.models import MlaRequest

    drafter = fields.pop("created_by", None) or magistrate()
    requesting_authority = fields.pop("requesting_authority", None) or drafter.authority
    seq = MlaRequest.objects.count() + 1
    values = {
        "reference": f"TEST/{seq}",
        "reference_year": 2026,
        "reference_sequence": seq,
        "title": f"Test request {seq}",
        "requesting_authority": requesting_authority,
        "requesting_state": requesting_authority.country,
        "requested_state": CountryFactory(),
        "language": "es",
        "created_by": drafter,
    }
    return MlaRequest.objects.create(**(values | fields))
