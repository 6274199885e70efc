"""Integration tests against a real Odoo 18 with the suite installed.

``tests/run.py`` runs them after installing every addon with
``--test-enable``; it passes the database and connection arguments in
``MPHUB_ODOO_*`` variables. They drive real Odoo server processes running
queue_job's job runner, with real commits, so they can show what happens with
several workers at once.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time

import pytest

DB = os.environ.get("MPHUB_ODOO_DB")
ADDONS_PATH = os.environ.get("MPHUB_ODOO_ADDONS_PATH")
DB_ARGS = json.loads(os.environ.get("MPHUB_ODOO_DB_ARGS") or "[]")

if not DB:
    pytest.skip(
        "integration tests need the database prepared by tests/run.py",
        allow_module_level=True,
    )


CONCURRENCY_ERRORS = (
    "could not serialize access due to concurrent update",
    "deadlock detected",
    "could not obtain lock on row",
    'violates unique constraint "mp_partner_binding_external_uniq"',
    'violates unique constraint "res_partner_mp_address_uniq"',
)


def _free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def odoo_registry():
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["-d", DB, "--addons-path", ADDONS_PATH, *DB_ARGS, "--log-level=warn"],
        setup_logging=False,
    )
    return Registry(DB)


@pytest.fixture
def odoo_env(odoo_registry):
    """Context manager giving a superuser environment, committed on exit."""
    from odoo import SUPERUSER_ID, api

    @contextlib.contextmanager
    def environment():
        with odoo_registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})
            cr.commit()
        odoo_registry.clear_cache()

    return environment


class OdooServer:
    """An Odoo server process running queue_job's job runner.

    The server is threaded: the runner dispatches up to ``channels`` jobs at
    once, each in its own thread and database transaction, which is what
    two workers of a multi-process server do to the database.
    """

    def __init__(self, channels="root:2"):
        self.port = _free_port()
        self.channels = channels
        self.process = None
        self.log_path = f"/tmp/mphub-odoo-server-{self.port}.log"

    def start(self):
        # a real script, as odoo-bin: Odoo re-executes its own command line
        # on a restart, which "python -m odoo" cannot survive
        launcher = f"/tmp/mphub-odoo-{self.port}"
        with open(launcher, "w") as handle:
            handle.write(f"#!{sys.executable}\nimport odoo\nodoo.cli.main()\n")
        os.chmod(launcher, 0o755)
        cmd = [
            launcher,
            "-d",
            DB,
            *DB_ARGS,
            "--addons-path",
            ADDONS_PATH,
            "--http-port",
            str(self.port),
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
            "--load",
            "base,web,queue_job",
            "--db-filter",
            f"^{DB}$",
            "--limit-time-real",
            "600",
            "--limit-time-cpu",
            "600",
            "--log-level",
            "info",
        ]
        env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=self.channels)
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo stopped, see {self.log_path}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            time.sleep(0.5)
        raise RuntimeError(f"Odoo did not start, see {self.log_path}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def errors(self):
        """ERROR/CRITICAL log lines, but for the concurrency conflicts Odoo
        logs before they are retried: two workers reserving the same stock,
        or storing the same buyer or address (caught, retried later)."""
        with open(self.log_path) as handle:
            lines = handle.readlines()
        found = []
        for index, line in enumerate(lines):
            if " ERROR " not in line and " CRITICAL " not in line:
                continue
            detail = "".join(lines[index + 1 : index + 3])
            if "odoo.sql_db: bad query" in line and any(
                text in detail for text in CONCURRENCY_ERRORS
            ):
                continue
            found.append(line[:500])
        return found


@pytest.fixture(scope="module")
def odoo_server():
    server = OdooServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sandbox():
    from mphub.sandbox import Sandbox

    with Sandbox(seed=7) as box:
        yield box
