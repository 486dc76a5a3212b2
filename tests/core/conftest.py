"""Fixtures shared by the core tests."""

import warnings

import pytest


@pytest.fixture
def warnings_are_errors():
    """Fail on any RuntimeWarning (overflow, divide, invalid) that escapes the code under test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
