from pathlib import Path

import pytest
from mphub.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
# the official Fnac XSDs, never copied into the repository (None: absent)
FNAC_XSD_DIR = ROOT.parent / "shared" / "contracts" / "fnac"
FNAC_XSD_DIR = FNAC_XSD_DIR if (FNAC_XSD_DIR / "base.xsd").is_file() else None


@pytest.fixture
def sandbox():
    """A fresh sandbox on free ports of 127.0.0.1, stopped after the test
    (the Fnac emulator validates requests against the official XSDs when
    they are there)."""
    options = {"fnac": {"xsd_dir": str(FNAC_XSD_DIR) if FNAC_XSD_DIR else None}}
    with Sandbox(seed=42, options=options) as box:
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


@pytest.fixture
def fnac(sandbox):
    """The Fnac Darty emulator (its API at ``fnac_url + "/api.php/<service>"``)."""
    return sandbox.emulators["fnac"]


@pytest.fixture
def fnac_url(sandbox):
    return sandbox.urls["fnac"]
