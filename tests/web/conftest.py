import pytest

from tests.requests.factories import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def magistrate(world):
    return world.user("magistrate:pe-fecor")


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
