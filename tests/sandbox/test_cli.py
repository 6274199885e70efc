"""``python -m mphub.sandbox`` as docker-compose runs it."""

import json
import signal
import subprocess
import sys

import pytest
import requests

from .conftest import MiraklShop


def test_command_line_serves_until_sigterm():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mphub.sandbox",
            "--orders",
            "5",
            "--offers",
            "7",
            "--offers-unknown-share",
            "0.3",
            "--malformed-share",
            "0.2",
            "--fault",
            "mirakl.retry_after=3",
            "--fault",
            'mirakl.call_frequency={"OR11": 60}',
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        urls = json.loads(process.stdout.readline())
        assert set(urls) == {"mirakl", "amazon"}
        assert urls["mirakl"].startswith("http://127.0.0.1:")
        for key in ("sandbox-carrefour-key", "sandbox-conforama-key"):
            shop = MiraklShop(urls["mirakl"], key)
            assert shop.orders()["total_count"] == 5
            offers = shop.call("GET", "/api/offers").json()
            assert offers["total_count"] == 7
            skus = [o["shop_sku"] for o in offers["offers"]]
            assert sum(sku.startswith("UNKNOWN-") for sku in skus) == 2
        faults = requests.get(urls["mirakl"] + "/_sandbox/faults", timeout=5).json()
        assert faults["retry_after"] == 3
        assert faults["call_frequency"] == {"OR11": 60.0}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read() == ""  # one line, nothing else


@pytest.mark.parametrize(
    "arguments",
    [["--fault", "mirakl.nope=1"], ["--fault", "nope.rate_429=1"], ["--port", "x=1"]],
)
def test_bad_arguments_exit_with_a_message(arguments):
    done = subprocess.run(
        [sys.executable, "-m", "mphub.sandbox", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert "nope" in done.stderr or "x=1" in done.stderr
