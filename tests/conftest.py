import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Attachments of a test land in its own folder."""
    settings.MEDIA_ROOT = str(tmp_path / "files")
