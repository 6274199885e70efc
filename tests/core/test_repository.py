"""The deployment and CI files agree with each other and with the code."""

import ast
import configparser
import os
import re
from pathlib import Path

import yaml
from mphub.mirakl.profiles import PROFILES
from mphub.sandbox import EMULATORS
from mphub.sandbox.__main__ import parse_args
from mphub.sandbox.mirakl import DEFAULT_SHOPS

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))


def manifest(path):
    return ast.literal_eval((path / "__manifest__.py").read_text())


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Run the tests", 1)[1]
    command = re.search(r"```sh\n(.+?)\n```", section, re.S).group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
    assert f"exec {command}" in ci


def test_docker_compose_wires_odoo_to_the_sandbox():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "sandbox", "odoo", "nginx"}
    command = services["sandbox"]["command"]
    assert command[:3] == ["python3", "-m", "mphub.sandbox"]
    args = parse_args(command[3:])
    ports = dict(args.port)
    assert set(ports) <= set(EMULATORS)
    url = services["odoo"]["environment"]["MPHUB_SANDBOX_MIRAKL_URL"]
    assert url == f"http://sandbox:{ports['mirakl']}"
    assert f"{ports['mirakl']}:{ports['mirakl']}" in services["sandbox"]["ports"]
    assert args.host == "0.0.0.0"
    assert "8069:80" in services["nginx"]["ports"]
    for name in ("sandbox", "odoo"):
        assert services[name]["build"]["dockerfile"] == "setup/docker/Dockerfile"
        assert (ROOT / services[name]["build"]["dockerfile"]).exists()
    assert services["odoo"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_odoo_conf_runs_queue_job():
    config = configparser.ConfigParser()
    config.read(ROOT / "odoo.conf")
    options = config["options"]
    assert "queue_job" in options["server_wide_modules"].split(",")
    assert int(options["workers"]) >= 2
    assert options["addons_path"] == "/opt/seller-hub/addons"
    channels = config["queue_job"]["channels"]
    for channel in ("root:", "root.marketplace.import:", "root.marketplace.export:"):
        assert channel in channels


def test_docker_image_installs_the_suite():
    dockerfile = (ROOT / "setup" / "docker" / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM odoo:18.0" in dockerfile
    assert "odoo-addon-queue-job==18.0.1.7.0" in dockerfile
    assert "COPY odoo.conf /etc/odoo/odoo.conf" in dockerfile
    start = ROOT / "setup" / "docker" / "start-odoo.sh"
    assert os.access(start, os.X_OK)
    assert "/opt/seller-hub/addons" in start.read_text()


def test_manifests():
    requirements = [
        re.split(r"[<>=!~;\[ ]", line.strip())[0]
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in ADDONS:
        data = manifest(path)
        assert data["version"].startswith("18.0.")
        assert data["license"] == "LGPL-3"
        for name in data.get("data", []) + data.get("demo", []):
            assert (path / name).exists(), f"{path.name}: {name}"
        for library in data.get("external_dependencies", {}).get("python", []):
            assert library == "mphub" or library in requirements, library
        assert (path / "README.rst").exists()
        assert (path / "i18n" / f"{path.name}.pot").exists()
        assert (path / "static" / "description" / "icon.png").exists()
        assert (path / "pyproject.toml").exists()


def test_demo_accounts_use_existing_profiles():
    demo = (ROOT / "addons" / "mp_mirakl" / "demo" / "mp_backend_demo.xml").read_text()
    for operator in re.findall(r'name="mirakl_operator">(\w+)<', demo):
        assert operator in PROFILES
        # the demo account's key is its sandbox shop's (demo/mp_demo.py)
        shops = [name for _id, name, _key in DEFAULT_SHOPS]
        assert f"{PROFILES[operator].name} sandbox shop" in shops
