"""The demo deployment (docker-compose.yml, odoo.conf, nginx, the image, its
start script) is production-shaped, and the repository's packaging files
agree with the addons. No Docker needed: the files are parsed, and the start
script runs against stand-ins of odoo, psql and pg_isready."""

import ast
import configparser
import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent.name for p in (ROOT / "addons").glob("*/__manifest__.py"))
START = ROOT / "setup" / "docker" / "start-odoo.sh"
NGINX = ROOT / "setup" / "docker" / "nginx.conf"


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def odoo_conf():
    config = configparser.ConfigParser()
    config.read(ROOT / "odoo.conf")
    return config


def channels(text):
    """{channel: capacity} of a queue_job channels setting."""
    found = {}
    for part in text.split(","):
        name, capacity = part.strip().split(":")[:2]
        found[name] = int(capacity)
    return found


# ----------------------------------------------------------------------
# nginx
# ----------------------------------------------------------------------
TOKEN = re.compile(r"""#[^\n]*|'[^']*'|"[^"]*"|[{};]|[^\s{};'"#]+""")


def parse_nginx(text):
    """nginx configuration as a list of (directive, args, children)."""
    tokens = [t for t in TOKEN.findall(text) if not t.startswith("#")]

    def block(pos):
        items, words = [], []
        while pos < len(tokens):
            token = tokens[pos]
            pos += 1
            if token == ";":
                items.append((words[0], words[1:], []))
                words = []
            elif token == "{":
                children, pos = block(pos)
                items.append((words[0], words[1:], children))
                words = []
            elif token == "}":
                return items, pos
            else:
                words.append(token.strip("'\""))
        assert not words, f"unterminated directive {words}"
        return items, pos

    return block(0)[0]


def directives(items, name):
    return [item for item in items if item[0] == name]


def nginx_site():
    config = parse_nginx(NGINX.read_text())
    upstreams = {
        args[0]: [child[1][0] for child in directives(children, "server")]
        for _name, args, children in directives(config, "upstream")
    }
    (server,) = directives(config, "server")
    locations = {
        args[-1]: children for _n, args, children in directives(server[2], "location")
    }
    return config, upstreams, server[2], locations


def headers(location):
    return {
        args[0]: args[1] for _n, args, _c in directives(location, "proxy_set_header")
    }


def upstream_of(location, upstreams):
    ((_n, args, _c),) = directives(location, "proxy_pass")
    return upstreams[args[0].removeprefix("http://")]


def test_nginx_routes_websockets_to_the_gevent_port():
    config, upstreams, _server, locations = nginx_site()
    options = odoo_conf()["options"]
    gevent = options.get("gevent_port", "8072")
    http = options.get("http_port", "8069")
    assert upstream_of(locations["/websocket"], upstreams) == [f"odoo:{gevent}"]
    assert upstream_of(locations["/"], upstreams) == [f"odoo:{http}"]
    websocket = locations["/websocket"]
    assert directives(websocket, "proxy_http_version")[0][1] == ["1.1"]
    sent = headers(websocket)
    assert sent["Upgrade"] == "$http_upgrade"
    # "upgrade" when the browser asks for it, from the map on $http_upgrade
    (mapping,) = directives(config, "map")
    assert mapping[1] == ["$http_upgrade", sent["Connection"]]
    assert {c[0]: c[1] for c in mapping[2]} == {"default": ["upgrade"], "": ["close"]}


def test_nginx_sends_the_headers_proxy_mode_reads():
    _config, _upstreams, _server, locations = nginx_site()
    for path in ("/", "/websocket"):
        sent = headers(locations[path])
        # with the port, so that Odoo's URLs (web.base.url) keep it
        assert sent["X-Forwarded-Host"] == "$http_host", path
        assert sent["X-Forwarded-For"] == "$proxy_add_x_forwarded_for", path
        assert sent["X-Forwarded-Proto"] == "$scheme", path


def test_nginx_listens_where_compose_publishes_it():
    _config, _upstreams, server, _locations = nginx_site()
    ((_n, listen, _c),) = directives(server, "listen")
    nginx = compose()["nginx"]
    assert nginx["image"].split(":")[0] == "nginx"  # the official image
    assert f"8069:{listen[0]}" in nginx["ports"]
    assert (
        "./setup/docker/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
        in nginx["volumes"]
    )


# ----------------------------------------------------------------------
# docker-compose.yml and odoo.conf
# ----------------------------------------------------------------------
def test_only_nginx_is_published_for_odoo():
    services = compose()
    assert "ports" not in services["odoo"]
    published = [
        port.split(":")[0] for svc in services.values() for port in svc.get("ports", [])
    ]
    assert published.count("8069") == 1
    assert "8072" not in published


def test_database_settings_come_from_the_environment():
    services = compose()
    options = odoo_conf()["options"]
    for key in ("db_host", "db_port", "db_user", "db_password"):
        assert key not in options, key
    odoo, db = services["odoo"]["environment"], services["db"]["environment"]
    assert odoo["HOST"] == "db" and "db" in services
    assert odoo["USER"] == db["POSTGRES_USER"]
    assert odoo["PASSWORD"] == db["POSTGRES_PASSWORD"]
    script = START.read_text()
    for variable, default in (("HOST", "db"), ("USER", "odoo"), ("PASSWORD", "odoo")):
        assert (
            f"${{{variable}:-{default}}}" in script
            or f"${{{variable}-{default}}}" in script
        ), variable
    for option in ("--db_host", "--db_user", "--db_password"):
        assert option in script


def test_odoo_conf_is_locked_down_and_behind_the_proxy():
    options = odoo_conf()["options"]
    assert options.getboolean("proxy_mode") is True
    assert options.getboolean("list_db") is False
    assert options["admin_passwd"].strip() not in ("", "admin", "False")
    script = START.read_text()
    assert '--db-filter "^$DB\\$"' in script


def test_jobs_never_take_every_worker():
    config = odoo_conf()
    workers = config["options"].getint("workers")
    capacity = channels(config["queue_job"]["channels"])
    assert 0 < capacity["root"] < workers
    for name, value in capacity.items():
        assert value <= capacity["root"], name
    # the configured channels are the addons' channels
    data = ET.parse(
        ROOT / "addons" / "mp_connector_base" / "data" / "queue_job_channel_data.xml"
    )
    records = {r.get("id"): r for r in data.iter("record")}

    def fullname(xmlid):
        if xmlid == "queue_job.channel_root":
            return "root"
        record = records[xmlid]
        parent = record.find("field[@name='parent_id']").get("ref")
        name = record.find("field[@name='name']").text
        return f"{fullname(parent)}.{name}"

    declared = {fullname(xmlid) for xmlid in records}
    assert set(capacity) - {"root"} <= declared
    assert {"root.marketplace.import", "root.marketplace.export"} <= set(capacity)


def test_readme_snippet_matches_odoo_conf():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Add the suite to an existing Odoo 18", 1)[1]
    snippet = configparser.ConfigParser()
    snippet.read_string(re.search(r"```ini\n(.+?)```", section, re.S).group(1))
    config = odoo_conf()
    assert snippet["queue_job"]["channels"] == config["queue_job"]["channels"]
    for key in ("server_wide_modules", "workers", "proxy_mode"):
        assert snippet["options"][key] == config["options"][key], key


# ----------------------------------------------------------------------
# packaging and repository hygiene
# ----------------------------------------------------------------------
def test_metapackage_lists_every_addon():
    text = (ROOT / "setup" / "_metapackage" / "pyproject.toml").read_text()
    listed = re.findall(r'"odoo-addon-(\w+)==18\.0\.\*"', text)
    assert sorted(listed) == ADDONS


def test_license_matches_the_manifests():
    text = (ROOT / "LICENSE").read_text()
    assert "GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3" in text
    # the LGPL's terms are additions to the GPL's: both texts are needed
    assert "GNU GENERAL PUBLIC LICENSE\n                       Version 3" in text
    assert "TERMS AND CONDITIONS" in text
    for name in ADDONS:
        manifest = ast.literal_eval(
            (ROOT / "addons" / name / "__manifest__.py").read_text()
        )
        assert manifest["license"] == "LGPL-3", name


def dockerignore_excludes(path):
    """Whether .dockerignore keeps `path` (or a folder above it) out of the
    build context: Docker's rules, last matching pattern wins."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    parts = path.split("/")
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = re.escape(pattern.lstrip("!").strip("/"))
        regex = regex.replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex = re.sub(r"\\\[(.*?)\\\]", r"[\1]", regex)
        for depth in range(1, len(parts) + 1):
            if re.fullmatch(regex, "/".join(parts[:depth])):
                excluded = not negate
                break
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        "mphub/__pycache__/x.cpython-311.pyc",
        "addons/mp_mirakl/models/__pycache__/x.pyc",
        "mphub.egg-info/PKG-INFO",
        ".hypothesis/examples/x",
        ".benchmarks/x.json",
        ".pytest_cache/v/x",
        ".ruff_cache/x",
        "build/lib/mphub/__init__.py",
    ],
)
def test_dockerignore_keeps_out(path):
    assert dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path",
    [
        # what the Dockerfile and pip need, and what the tests read
        "odoo.conf",
        "requirements.txt",
        "pyproject.toml",
        "README.md",
        "docker-compose.yml",
        "setup/docker/start-odoo.sh",
        "setup/docker/nginx.conf",
        "mphub/__init__.py",
        "addons/mp_connector_base/__manifest__.py",
        "tests/run.py",
        "LICENSE",
    ],
)
def test_dockerignore_keeps_in(path):
    assert not dockerignore_excludes(path)


def test_image_runs_the_start_script_with_what_it_needs():
    dockerfile = (ROOT / "setup" / "docker" / "Dockerfile").read_text()
    assert "FROM odoo:18.0" in dockerfile
    assert 'CMD ["start-odoo"]' in dockerfile
    assert "setup/docker/start-odoo.sh /usr/local/bin/start-odoo" in dockerfile
    # tests/run.py makes a virtual environment inside the image
    assert "python3-venv" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users[-1] == "odoo"  # Odoo never runs as root


# ----------------------------------------------------------------------
# the start script
# ----------------------------------------------------------------------
def test_start_script_syntax():
    text = START.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -[a-z]*o pipefail", text, re.M)
    subprocess.run(["bash", "-n", str(START)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", str(START)], check=True)


FAKE_PSQL = r"""#!/bin/bash
# psql stand-in: the server's state is files in $FAKE_STATE
sql="$(cat)"
echo "psql $* :: $sql" >>"$FAKE_STATE/calls"
case "$sql" in
*"FROM pg_database"*) [ -f "$FAKE_STATE/db" ] && echo 1 ;;
*"DROP DATABASE"*) rm -f "$FAKE_STATE/db" "$FAKE_STATE/mark" ;;
*"FROM ir_config_parameter"*)
    [ -f "$FAKE_STATE/db" ] || exit 2
    [ -f "$FAKE_STATE/mark" ] && echo "2026-01-01 00:00:00" ;;
*"INSERT INTO ir_config_parameter"*) touch "$FAKE_STATE/mark" ;;
*unnest*) cat "$FAKE_STATE/missing" 2>/dev/null ;;
*ir_demo_failure*) cat "$FAKE_STATE/demo_failures" 2>/dev/null ;;
esac
exit 0
"""

FAKE_ODOO = r"""#!/bin/bash
# odoo stand-in: -i creates the database (and fails when asked to)
echo "odoo $*" >>"$FAKE_STATE/calls"
case " $* " in
*" -i "*)
    touch "$FAKE_STATE/db"
    if [ -f "$FAKE_STATE/hang" ]; then
        trap 'touch "$FAKE_STATE/terminated"; exit 143' TERM
        touch "$FAKE_STATE/installing"
        while :; do sleep 0.1; done
    fi
    [ -f "$FAKE_STATE/fail" ] && exit 1
    exit 0 ;;
esac
echo serving
"""


@pytest.fixture
def fake(tmp_path):
    """Run the start script with stand-ins; return (run, state dir)."""
    bin_dir = tmp_path / "bin"
    state = tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for name, text in (("psql", FAKE_PSQL), ("odoo", FAKE_ODOO)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (bin_dir / "pg_isready").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "pg_isready").chmod(0o755)
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\ndata_dir = /nonexistent\n")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "FAKE_STATE": str(state),
        "HOST": "pg.example",
        "PORT": "5433",
        "USER": "hub",
        "PASSWORD": "",
        "ODOO_DB": "demo",
        "ODOO_CONF": str(conf),
        "ODOO_DATA_DIR": str(tmp_path / "data"),
        "ODOO_BIN": str(bin_dir / "odoo"),
    }

    def start(*args, wait=True):
        (state / "calls").unlink(missing_ok=True)
        process = subprocess.Popen(
            ["bash", str(START), "--http-port=8269", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if not wait:
            return process
        output = process.communicate(timeout=60)[0]
        calls = (state / "calls").read_text().splitlines()
        return process.returncode, output, calls

    return start, state, tmp_path / "data"


def odoo_calls(calls):
    return [call for call in calls if call.startswith("odoo ")]


def test_first_start_installs_every_addon_then_serves(fake):
    start, state, data = fake
    code, output, calls = start()
    assert code == 0, output
    install, serve = odoo_calls(calls)
    assert f" -i {','.join(ADDONS)} " in install
    assert "--stop-after-init" in install and "--workers=0" in install
    assert "--db_host pg.example --db_port 5433 --db_user hub" in install
    assert "--db_password" not in install  # PASSWORD= (empty): none given
    assert serve.endswith("-d demo --db-filter ^demo$ --http-port=8269")
    assert " -i " not in serve
    marked = [i for i, c in enumerate(calls) if "INSERT INTO ir_config_parameter" in c]
    assert marked and calls.index(install) < marked[0] < calls.index(serve)
    assert (state / "mark").exists()
    assert not (data / "seller-hub" / "demo.setup-started").exists()
    assert "serving" in output


def test_second_start_does_not_reinstall(fake):
    start, state, _data = fake
    start()
    code, output, calls = start()
    assert code == 0, output
    (serve,) = odoo_calls(calls)
    assert " -i " not in serve
    assert not any("DROP DATABASE" in call for call in calls)
    assert "is ready" in output


def test_failed_set_up_is_dropped_and_redone(fake):
    start, state, data = fake
    (state / "fail").touch()
    code, output, calls = start()
    assert code != 0
    assert len(odoo_calls(calls)) == 1  # never served
    assert not (state / "mark").exists()
    assert (data / "seller-hub" / "demo.setup-started").exists()
    (state / "fail").unlink()
    code, output, calls = start()
    assert code == 0, output
    assert any("DROP DATABASE" in call for call in calls)
    install, _serve = odoo_calls(calls)
    assert " -i " in install
    assert (state / "mark").exists()


@pytest.mark.parametrize("problem", ["missing", "demo_failures"])
def test_incomplete_set_up_is_not_marked(fake, problem):
    start, state, _data = fake
    (state / problem).write_text("mp_amazon\n")
    code, output, calls = start()
    assert code != 0
    assert "mp_amazon" in output
    assert not (state / "mark").exists()
    assert len(odoo_calls(calls)) == 1


def test_stopped_set_up_is_redone(fake):
    start, state, _data = fake
    (state / "hang").touch()
    process = start(wait=False)
    for _attempt in range(600):
        if (state / "installing").exists():
            break
        time.sleep(0.05)
    assert (state / "installing").exists()
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert process.returncode != 0
    assert (state / "terminated").exists()  # the stop reached Odoo
    assert "stopped before its end" in output
    (state / "hang").unlink()
    code, output, calls = start()
    assert code == 0, output
    assert any("DROP DATABASE" in call for call in calls)
    assert (state / "mark").exists()


def test_database_it_did_not_create_is_served_as_it_is(fake):
    start, state, _data = fake
    (state / "db").touch()
    code, output, calls = start()
    assert code == 0, output
    (serve,) = odoo_calls(calls)
    assert " -i " not in serve
    assert not any("DROP DATABASE" in call for call in calls)


def test_configuration_file_settings_win_over_the_environment(fake, tmp_path):
    start, _state, _data = fake
    (tmp_path / "odoo.conf").write_text(
        "[options]\ndb_host = conf-host\ndb_password = secret\n"
    )
    code, output, calls = start()
    assert code == 0, output
    (install, _serve) = odoo_calls(calls)
    assert "--db_host conf-host " in install
    assert "--db_password secret" in install
    psql = [call for call in calls if call.startswith("psql ")]
    assert psql and all("-h conf-host" in call for call in psql)
