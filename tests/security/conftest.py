import pytest


@pytest.fixture(autouse=True)
def _two_factor_enforced(settings):
    """These tests check the production behaviour whatever the test settings say."""
    settings.TWO_FACTOR_ENFORCED = True
