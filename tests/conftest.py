import pytest
from mphub.sandbox import Sandbox


@pytest.fixture
def sandbox():
    """A fresh sandbox on free ports of 127.0.0.1, stopped after the test."""
    with Sandbox(seed=42) as box:
        yield box


@pytest.fixture
def mirakl(sandbox):
    return sandbox.emulators["mirakl"]


@pytest.fixture
def mirakl_url(sandbox):
    return sandbox.urls["mirakl"]


@pytest.fixture
def cdiscount(sandbox):
    return sandbox.emulators["cdiscount"]


@pytest.fixture
def cdiscount_url(sandbox):
    return sandbox.urls["cdiscount"]
