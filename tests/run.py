#!/usr/bin/env python3
"""The test command of the seller hub: ``python3 tests/run.py``.

On any machine with Python 3.10+ it:

1. makes a virtual environment ``.venv`` (seeing the system site-packages, so
   an Odoo 18 installed there is found) and installs the core package with
   its test and lint tools;
2. lints: ruff on everything, pylint-odoo's mandatory checks on the addons;
3. runs every core test (``tests/``: core, sandbox, contract tests) with
   pytest;
4. when Odoo 18 is importable, installs every addon of the repository on an
   empty database with ``--test-enable`` (failing on a failed test or on an
   ERROR/CRITICAL log line), then runs the integration tests of
   ``tests/odoo/`` against that database; it starts a throwaway PostgreSQL
   cluster when no server is reachable. Without Odoo it prints one line
   saying the Odoo tests were skipped and why.

The summary gives each part as ok, FAILED or skipped with the reason (the
Odoo tests without Odoo, the contract tests without the official API
descriptions); only a failure fails the command. ``--help`` lists the
options and the environment variables.
"""

import argparse
import ast
import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
REQUIREMENT_FILES = ("pyproject.toml", "requirements.txt", "test-requirements.txt")
QUEUE_JOB_REQUIREMENT = "odoo-addon-queue-job==18.0.1.7.0"
ODOO_TEST_TIMEOUT = 3600


def log(message):
    print(f"[tests] {message}", flush=True)


def run(cmd, **kwargs):
    log("$ " + " ".join(cmd))
    return subprocess.run(cmd, cwd=kwargs.pop("cwd", ROOT), **kwargs)


# ----------------------------------------------------------------------
# environment
# ----------------------------------------------------------------------
def venv_python():
    return os.path.join(VENV, "bin", "python")


def ensure_venv(skip_install):
    python = venv_python()
    if not os.path.exists(python):
        run([sys.executable, "-m", "venv", "--system-site-packages", VENV], check=True)
    if skip_install:
        return python
    digest = hashlib.sha256()
    for name in REQUIREMENT_FILES:
        with open(os.path.join(ROOT, name), "rb") as handle:
            digest.update(handle.read())
    stamp = os.path.join(VENV, ".installed")
    if os.path.exists(stamp):
        with open(stamp) as handle:
            if handle.read() == digest.hexdigest():
                return python
    run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-e",
            ".",
            "-r",
            "requirements.txt",
            "-r",
            "test-requirements.txt",
        ],
        check=True,
    )
    with open(stamp, "w") as handle:
        handle.write(digest.hexdigest())
    return python


def addon_names():
    addons_dir = os.path.join(ROOT, "addons")
    return sorted(
        name
        for name in os.listdir(addons_dir)
        if os.path.exists(os.path.join(addons_dir, name, "__manifest__.py"))
    )


# ----------------------------------------------------------------------
# lint and core tests
# ----------------------------------------------------------------------
def lint(python):
    ok = True
    ruff = [python, "-m", "ruff"]
    ok &= run(ruff + ["check", "."]).returncode == 0
    ok &= run(ruff + ["format", "--check", "."]).returncode == 0
    addons = [os.path.join("addons", name) for name in addon_names()]
    result = run(
        [
            python,
            "-m",
            "pylint",
            "--rcfile=.pylintrc-mandatory",
            "--load-plugins=pylint_odoo",
            *addons,
        ]
    )
    ok &= result.returncode == 0
    return ok


def core_tests(python, keyword):
    cmd = [python, "-m", "pytest", "tests", "--ignore=tests/odoo", "-q"]
    if keyword:
        cmd += ["-k", keyword]
    return run(cmd).returncode == 0


# ----------------------------------------------------------------------
# Odoo
# ----------------------------------------------------------------------
def odoo_probe(python):
    """Return (info dict, None) when Odoo 18 is importable, else (None, why)."""
    code = (
        "import json, os, odoo, odoo.release as r; "
        "print(json.dumps({'version': list(r.version_info[:2]), "
        "'package': os.path.dirname(odoo.__file__)}))"
    )
    result = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, cwd="/"
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"Odoo 18 is not importable by {python} ({last})"
    info = json.loads(result.stdout.strip().splitlines()[-1])
    if info["version"][0] != 18:
        return None, f"Odoo {info['version'][0]} found, the suite needs Odoo 18"
    return info, None


def queue_job_path(python):
    code = (
        "import importlib.util, os, odoo.addons; "
        "s = importlib.util.find_spec('odoo.addons.queue_job'); "
        "print(os.path.dirname(os.path.dirname(s.origin)) if s else '')"
    )
    result = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, cwd="/"
    )
    return result.stdout.strip()


def addons_paths(python, info):
    package = info["package"]
    paths = []
    source_addons = os.path.join(os.path.dirname(package), "addons")
    if os.path.isdir(os.path.join(source_addons, "web")):
        paths.append(source_addons)
    paths.append(os.path.join(package, "addons"))
    queue_job = queue_job_path(python)
    if not queue_job:
        run(
            [python, "-m", "pip", "install", "-q", "--no-deps", QUEUE_JOB_REQUIREMENT],
            check=True,
        )
        queue_job = queue_job_path(python)
    if queue_job and queue_job not in paths:
        paths.append(queue_job)
    extra = os.environ.get("ODOO_ADDONS_PATH")
    if extra:
        paths.extend(p for p in extra.split(",") if p)
    paths.append(os.path.join(ROOT, "addons"))
    return paths


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_connect(python, params):
    code = (
        "import json, sys, psycopg2; "
        "p = json.loads(sys.argv[1]); "
        "psycopg2.connect(dbname='postgres', **p).close()"
    )
    result = subprocess.run(
        [python, "-c", code, json.dumps(params)], capture_output=True, text=True
    )
    return result.returncode == 0


class Postgres:
    """An existing server from the PG* variables, or a throwaway cluster."""

    def __init__(self, python):
        self.python = python
        self.tmp = None
        self.data = None
        self.owner = None
        self.params = {}

    def start(self):
        user = os.environ.get("PGUSER") or "odoo"
        params = {"user": user}
        for key, var in (
            ("host", "PGHOST"),
            ("port", "PGPORT"),
            ("password", "PGPASSWORD"),
        ):
            if os.environ.get(var):
                params[key] = os.environ[var]
        if user != "postgres" and can_connect(self.python, params):
            self.params = params
            log(f"using the PostgreSQL server reachable as {user}")
            return
        self._start_cluster()

    def _bindir(self):
        pg_config = shutil.which("pg_config")
        candidates = []
        if pg_config:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True
            )
            candidates.append(out.stdout.strip())
        candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        for path in candidates:
            if path and os.path.exists(os.path.join(path, "initdb")):
                return path
        initdb = shutil.which("initdb")
        if initdb:
            return os.path.dirname(initdb)
        raise SystemExit(
            "[tests] no PostgreSQL server reachable and no initdb found: install "
            "PostgreSQL (e.g. apt-get install postgresql) or set PGHOST/PGUSER"
        )

    def _as_owner(self, cmd):
        if self.owner:
            return ["runuser", "-u", self.owner, "--"] + cmd
        return cmd

    def _start_cluster(self):
        bindir = self._bindir()
        self.tmp = tempfile.mkdtemp(prefix="mphub-pg-")
        self.data = os.path.join(self.tmp, "data")
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root
            for candidate in ("postgres", "nobody"):
                if (
                    subprocess.run(["id", candidate], capture_output=True).returncode
                    == 0
                ):
                    self.owner = candidate
                    break
            shutil.chown(self.tmp, self.owner)
        port = free_port()
        subprocess.run(
            self._as_owner(
                [
                    os.path.join(bindir, "initdb"),
                    "-D",
                    self.data,
                    "-U",
                    "odoo",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-k {self.tmp} -p {port} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        subprocess.run(
            self._as_owner(
                [
                    os.path.join(bindir, "pg_ctl"),
                    "-D",
                    self.data,
                    "-o",
                    options,
                    "-l",
                    os.path.join(self.tmp, "postgres.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.params = {"host": "127.0.0.1", "port": str(port), "user": "odoo"}
        log(f"started a throwaway PostgreSQL cluster on port {port}")

    def stop(self):
        if not self.data:
            return
        bindir = self._bindir()
        subprocess.run(
            self._as_owner(
                [os.path.join(bindir, "pg_ctl"), "-D", self.data, "-m", "fast", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)

    def odoo_args(self):
        args = ["--db_user", self.params["user"]]
        if self.params.get("host"):
            args += ["--db_host", self.params["host"]]
        if self.params.get("port"):
            args += ["--db_port", str(self.params["port"])]
        if self.params.get("password"):
            args += ["--db_password", self.params["password"]]
        return args

    def create_from(self, template, dbname):
        code = (
            "import json, sys, psycopg2; "
            "p = json.loads(sys.argv[1]); "
            "c = psycopg2.connect(dbname='postgres', **p); c.autocommit = True; "
            "c.cursor().execute("
            '\'CREATE DATABASE "%s" TEMPLATE "%s"\' % (sys.argv[2], sys.argv[3]))'
        )
        subprocess.run(
            [self.python, "-c", code, json.dumps(self.params), dbname, template],
            check=True,
            capture_output=True,
        )

    def drop(self, dbname):
        code = (
            "import json, sys, psycopg2; "
            "p = json.loads(sys.argv[1]); "
            "c = psycopg2.connect(dbname='postgres', **p); c.autocommit = True; "
            "c.cursor().execute('DROP DATABASE IF EXISTS \"%s\"' % sys.argv[2])"
        )
        subprocess.run(
            [self.python, "-c", code, json.dumps(self.params), dbname],
            capture_output=True,
        )


LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<message>.*)$"
)
TEST_SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def dependencies():
    """Modules the addons depend on, outside the repository."""
    ours = set(addon_names())
    found = set()
    for name in ours:
        with open(os.path.join(ROOT, "addons", name, "__manifest__.py")) as handle:
            manifest = ast.literal_eval(handle.read())
        found.update(manifest.get("depends", []))
    return sorted(found - ours)


def odoo_command(python, paths, pg, dbname, modules, *extra):
    return [
        python,
        "-m",
        "odoo",
        "-d",
        dbname,
        *pg.odoo_args(),
        "--addons-path",
        ",".join(paths),
        "-i",
        ",".join(modules),
        "--stop-after-init",
        "--http-port",
        str(free_port()),
        "--max-cron-threads=0",
        *extra,
    ]


def install_and_test(python, paths, pg, dbname, log_path):
    """Install the dependencies, then every addon with --test-enable.

    The dependencies (Odoo's own modules, queue_job) are installed first
    without tests, as OCA's CI does, so that only the suite's tests run.
    """
    started = time.monotonic()
    deps = odoo_command(python, paths, pg, dbname, dependencies(), "--log-level=warn")
    log("$ " + " ".join(deps))
    with open(log_path + ".deps", "w") as out:
        if subprocess.run(
            deps, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        ).returncode:
            log(f"installing the dependencies failed (log: {log_path}.deps)")
            return False
    log(f"dependencies installed in {time.monotonic() - started:.0f} s")
    cmd = odoo_command(
        python, paths, pg, dbname, addon_names(), "--test-enable", "--log-level=test"
    )
    log("$ " + " ".join(cmd))
    problems = []
    summary = None
    started = time.monotonic()
    with open(log_path, "w") as out:
        process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ, MPHUB_TEST_RUN="1"),
        )
        for line in process.stdout:
            out.write(line)
            match = LOG_LINE.match(line)
            if match and match["level"] in ("ERROR", "CRITICAL"):
                problems.append(line.rstrip())
                print(line, end="", flush=True)
            elif TEST_SUMMARY.search(line) or " odoo.tests.result: " in line:
                summary = line.strip()
                print(line, end="", flush=True)
            elif (
                match
                and match["logger"].startswith("odoo.addons.mp_")
                and (match["level"] == "WARNING")
            ):
                print(line, end="", flush=True)
        code = process.wait(timeout=ODOO_TEST_TIMEOUT)
    elapsed = time.monotonic() - started
    failed = 0
    if summary:
        found = TEST_SUMMARY.search(summary)
        if found:
            failed = int(found[1]) + int(found[2])
    ok = code == 0 and not problems and failed == 0
    log(
        f"Odoo install + tests: exit {code}, {len(problems)} ERROR line(s), "
        f"{failed} failed test(s), {elapsed:.0f} s (log: {log_path})"
    )
    return ok


def integration_tests(python, paths, pg, dbname, keyword):
    env = dict(
        os.environ,
        MPHUB_ODOO_DB=dbname,
        MPHUB_ODOO_ADDONS_PATH=",".join(paths),
        MPHUB_ODOO_DB_ARGS=json.dumps(pg.odoo_args()),
    )
    cmd = [python, "-m", "pytest", "tests/odoo", "-q", "-s"]
    if keyword:
        cmd += ["-k", keyword]
    return run(cmd, env=env).returncode == 0


def install_matrix(python, paths, pg):
    """Each addon alone on a fresh database, with and without demo data, then
    upgraded (``-u``): every step must end without an ERROR line.

    Opt-in (``MPHUB_INSTALL_MATRIX=1``): about two minutes per addon.
    """
    ok = True
    stamp = int(time.time())
    for demo in (True, False):
        template = f"mphub_matrix_{stamp}_{'demo' if demo else 'nodemo'}"
        extra = [] if demo else ["--without-demo=all"]
        steps = [(template, dependencies(), "-i", "dependencies")]
        for name in addon_names():
            steps.append((f"{template}_{name}", [name], "-i", name))
            steps.append((f"{template}_{name}", [name], "-u", name))
        try:
            for dbname, modules, mode, what in steps:
                if dbname != template and mode == "-i":
                    pg.create_from(template, dbname)
                cmd = odoo_command(python, paths, pg, dbname, modules, *extra)
                if mode == "-u":
                    cmd[cmd.index("-i")] = "-u"
                started = time.monotonic()
                out = subprocess.run(
                    cmd + ["--log-level=warn"], cwd=ROOT, capture_output=True, text=True
                )
                errors = [
                    line
                    for line in out.stdout.splitlines() + out.stderr.splitlines()
                    if (m := LOG_LINE.match(line))
                    and m["level"] in ("ERROR", "CRITICAL")
                ]
                label = f"{mode} {what} ({'with' if demo else 'without'} demo data)"
                log(
                    f"install matrix: {label}: exit {out.returncode}, "
                    f"{len(errors)} ERROR line(s), {time.monotonic() - started:.0f} s"
                )
                for line in errors[:5]:
                    print(line, flush=True)
                ok &= out.returncode == 0 and not errors
        finally:
            for dbname in {step[0] for step in steps}:
                pg.drop(dbname)
    return ok


class Skipped:
    """A part of the tests that could not run here, and why."""

    def __init__(self, reason):
        self.reason = reason


def contracts_dir():
    """Where the contract tests read the official API descriptions."""
    return os.environ.get("MPHUB_CONTRACTS_DIR") or os.path.join(
        os.path.dirname(ROOT), "shared", "contracts"
    )


BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")


def browser():
    """The Chrome or Chromium Odoo's browser tests (tours) would drive."""
    for name in BROWSERS:
        if shutil.which(name):
            return shutil.which(name)
    return None


def odoo_tests(python, keep_db, keyword):
    info, why = odoo_probe(python)
    if not info:
        log(f"Odoo tests skipped: {why}.")
        return Skipped(why)
    paths = addons_paths(python, info)
    pg = Postgres(python)
    pg.start()
    dbname = f"mphub_test_{int(time.time())}"
    ok = False
    try:
        log_path = os.path.join(tempfile.gettempdir(), f"{dbname}.log")
        ok = install_and_test(python, paths, pg, dbname, log_path)
        if ok and os.path.isdir(os.path.join(ROOT, "tests", "odoo")):
            ok = integration_tests(python, paths, pg, dbname, keyword)
        if ok and os.environ.get("MPHUB_INSTALL_MATRIX"):
            ok = install_matrix(python, paths, pg)
    finally:
        if not keep_db:
            pg.drop(dbname)
            pg.stop()
        else:
            log(f"database kept: {dbname} ({json.dumps(pg.params)})")
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="Environment: ODOO_ADDONS_PATH (extra addons paths, comma-"
        "separated), PGHOST/PGPORT/PGUSER/PGPASSWORD (an existing PostgreSQL "
        "server, else a throwaway cluster is started), MPHUB_CONTRACTS_DIR "
        "(the official API descriptions the contract tests read, by default "
        "../shared/contracts), MPHUB_FUZZ_EXAMPLES (hypothesis examples per "
        "entry point, 200 by default), MPHUB_INSTALL_MATRIX=1 (also install each "
        "addon alone on a fresh database, with and without demo data, and "
        "upgrade it: no ERROR line allowed; about two minutes per addon).",
    )
    parser.add_argument(
        "--skip-install",
        action="store_true",
        help="use .venv as it is, without installing the requirements",
    )
    parser.add_argument(
        "--skip-lint", action="store_true", help="do not run ruff and pylint-odoo"
    )
    parser.add_argument(
        "--skip-odoo", action="store_true", help="do not run the Odoo tests"
    )
    parser.add_argument(
        "--odoo-only",
        action="store_true",
        help="run only the Odoo tests (addons with --test-enable, tests/odoo)",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the Odoo test database (and the throwaway cluster) afterwards",
    )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="pytest -k filter of the core tests and of tests/odoo",
    )
    args = parser.parse_args(argv)

    python = ensure_venv(args.skip_install)
    results = {}
    if not args.odoo_only:
        if not args.skip_lint:
            results["lint"] = lint(python)
        results["core tests"] = core_tests(python, args.keyword)
        if not os.path.isdir(contracts_dir()):
            results["contract tests"] = Skipped(
                f"official API descriptions not found at {contracts_dir()} "
                "(set MPHUB_CONTRACTS_DIR)"
            )
    if not args.skip_odoo:
        results["odoo tests"] = odoo_tests(python, args.keep_db, args.keyword)
        if results["odoo tests"] is not False and not isinstance(
            results["odoo tests"], Skipped
        ):
            if browser():
                results["browser tours"] = True
            else:
                # Odoo skips its HttpCase tours without a browser
                results["browser tours"] = Skipped(
                    "no Chrome or Chromium found (e.g. apt-get install chromium); "
                    "the other Odoo tests ran"
                )
    for name, outcome in results.items():
        if isinstance(outcome, Skipped):
            log(f"{name}: skipped ({outcome.reason})")
        else:
            log(f"{name}: {'ok' if outcome else 'FAILED'}")
    return 1 if any(outcome is False for outcome in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
