"""``python -m mphub.sandbox`` as docker-compose runs it."""

import argparse
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from mphub.sandbox import EMULATORS
from mphub.sandbox.__main__ import STANDARD_PORTS, build_parser, parse_args

from .conftest import MiraklShop

ROOT = Path(__file__).resolve().parents[2]


def run(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "mphub.sandbox", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
    )


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
        assert set(urls) == set(EMULATORS) == {"mirakl", "amazon", "cdiscount", "fnac"}
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
        # each root URL indexes every emulator the command serves
        for url in urls.values():
            index = requests.get(
                url + "/", headers={"Accept": "application/json"}, timeout=5
            ).json()
            entries = {e["name"]: e for e in index["emulators"]}
            assert {name: e["base_url"] for name, e in entries.items()} == urls
            assert entries["mirakl"]["faults"] == {
                "retry_after": 3,
                "call_frequency": {"OR11": 60.0},
            }
            assert [s["orders"] for s in entries["mirakl"]["accounts"]] == [5] * 4
            assert [s["orders"] for s in entries["cdiscount"]["accounts"]] == [5] * 2
            assert [s["orders"] for s in entries["fnac"]["accounts"]] == [5] * 2
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read() == ""  # one line, nothing else


@pytest.mark.parametrize(
    "arguments",
    [["--fault", "mirakl.nope=1"], ["--fault", "nope.rate_429=1"], ["--port", "x=1"]],
)
def test_bad_arguments_exit_with_a_message(arguments):
    done = run(*arguments)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "nope" in done.stderr or "x=1" in done.stderr


@pytest.mark.parametrize(
    "arguments",
    [["--port", "mirakl=70000"], ["--orders", "-1"], ["--malformed-share", "1.5"]],
)
def test_out_of_range_values_are_refused(arguments):
    done = run(*arguments)
    assert done.returncode == 2
    assert arguments[1] in done.stderr
    assert "Traceback" not in done.stderr


def test_a_busy_port_is_one_clear_line_and_a_failure():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run("--port", f"amazon={port}")
    assert done.returncode != 0
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert f"amazon: cannot listen on 127.0.0.1:{port}: port already in use" in line
    assert "--port amazon=PORT" in line


def test_standard_ports_are_docker_compose_s_and_port_still_wins():
    assert set(STANDARD_PORTS) == set(EMULATORS)
    assert parse_args([]).ports == {}  # free ports by default
    assert parse_args(["--standard-ports"]).ports == STANDARD_PORTS
    args = parse_args(["--standard-ports", "--port", "amazon=0"])
    assert args.ports == {**STANDARD_PORTS, "amazon": 0}
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["sandbox"]["command"]
    assert parse_args(command[3:]).ports == STANDARD_PORTS


def test_help_describes_every_option_output_and_stop():
    done = run("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps lines
    actions = [a for a in build_parser()._actions if a.option_strings]
    assert len(actions) > 10
    for action in actions:
        assert action.help and action.help != argparse.SUPPRESS, action.dest
        for option in action.option_strings:
            assert option in text
        start = " ".join(action.help.split("%", 1)[0].split()[:4])
        assert start in text, action.dest
    for needle in ("stdout", "JSON", "Ctrl+C", "SIGTERM", "--standard-ports"):
        assert needle in text
    examples = text.split("examples:", 1)[1]
    assert examples.count("python -m mphub.sandbox") >= 2
