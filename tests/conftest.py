"""Shared test set-up: Qt runs headless, and hypothesis is given room on a shared machine."""

import os
import tempfile

# Set before anything imports Qt: the tests draw offscreen, and never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Autosave and recent files go to a folder of the test run's own, never the user's
# ~/.config/jacviz (child processes inherit it).
os.environ["JACVIZ_CONFIG_DIR"] = tempfile.mkdtemp(prefix="jacviz-test-config-")
os.environ["JACVIZ_CACHE_DIR"] = tempfile.mkdtemp(prefix="jacviz-test-cache-")

from hypothesis import HealthCheck, settings

# The machines are shared and noisy: hypothesis must not fail a test for being slow.
settings.register_profile(
    "jacviz", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.load_profile("jacviz")


import pytest  # noqa: E402 - after the environment above is set


@pytest.fixture(scope="session")
def app():
    """The QApplication, made once and as the app makes it (Qt is imported only when asked for)."""
    from jacviz.ui.app import make_application

    return make_application()
