from coopcases.accounts.roles import RoleCode
from tests.factories import UserFactory


def auditor(**kw):
    return UserFactory(roles=[RoleCode.AUDITOR], is_staff=True, **kw)


def administrator(**kw):
    """A staff user without a business role: manages accounts, reads no case data and no audit log."""
    return UserFactory(is_staff=True, **kw)
