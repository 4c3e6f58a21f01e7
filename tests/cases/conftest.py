import pytest

from tests.cases.factories import Team


@pytest.fixture
def team(db):
    return Team.build()
