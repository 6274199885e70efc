"""Secrets: credentials cleaned before use, every error text masked and never
chained to an unmasked one, every answer read within a total deadline, every
credential cleared by the neutralization of a database copy.

Real local servers only: the sandbox's emulators and tiny ``http.server``
ones on 127.0.0.1 for the misbehaving answers.
"""

import ast
import gzip
import http.server
import json
import socket
import threading
import time
import traceback
from pathlib import Path

import pytest
from mphub.amazon.client import AmazonClient
from mphub.errors import ConfigError, MphubError, TransientError
from mphub.http import HttpTransport, mask_secrets
from mphub.mirakl.client import MiraklClient
from mphub.sandbox import Sandbox
from mphub.sandbox.amazon import LWA_CLIENT_ID, LWA_CLIENT_SECRET, SELLERS

KEY = "sandbox-carrefour-key"
ROOT = Path(__file__).resolve().parents[2]


def shown(err):
    """Everything a job's stored traceback would show of ``err``."""
    return "".join(traceback.format_exception(err))


def assert_hidden(err, *secrets):
    text = shown(err)
    for secret in secrets:
        assert secret.strip() not in text
    # the library's exception (whose text holds the request) is not shown
    assert err.__cause__ is None
    assert err.__context__ is None or err.__suppress_context__


# ----------------------------------------------------------------------
# misbehaving servers
# ----------------------------------------------------------------------
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/feeds/"):
            return self.do_GET_sp()
        behaviour = getattr(self, f"_{self.path.strip('/').split('?')[0]}", None)
        if behaviour is None:
            self._send(200, b'{"ok": true}')
        else:
            behaviour()

    def _send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self):
        # a byte every 0.1 s: every read is quick, the answer never ends
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(100000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    def _big(self):
        self._send(200, b"x" * 5000)

    def _loop(self):
        self._send(302, b"", [("Location", "/loop")])

    def _chunked(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"5\r\nhello\r\nZZZ-not-a-chunk-size\r\n")
        self.wfile.flush()
        self.close_connection = True

    def _gzip(self):
        self._send(200, b"this is not gzip", [("Content-Encoding", "gzip")])

    def _gzipped(self):
        self._send(200, gzip.compress(b'{"ok": 1}'), [("Content-Encoding", "gzip")])

    # -- a minimal Selling Partner API and LWA --------------------------
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path == "/trickle":
            return self._trickle()
        token = TOKENS.get(self.path)
        if token is None:
            return self._send(404, b"{}")
        body = {"access_token": token, "token_type": "bearer", "expires_in": 3600}
        self._send(200, json.dumps(body).encode())

    def _json(self, body):
        self._send(200, json.dumps(body).encode())

    def do_GET_sp(self):
        host = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path.startswith("/feeds/2021-06-30/feeds/"):
            feed = self.path.rsplit("/", 1)[1].split("?")[0]
            return self._json(
                {"processingStatus": "DONE", "resultFeedDocumentId": feed}
            )
        document = self.path.rsplit("/", 1)[1].split("?")[0]
        answer = {"feedDocumentId": document, "url": f"{host}/{document}?sig=S3CRET"}
        if document == "report":
            answer["compressionAlgorithm"] = "GZIP"
        self._json(answer)

    def _report(self):
        report = {"summary": {"messagesProcessed": 1}, "issues": []}
        self._send(200, gzip.compress(json.dumps(report).encode()))


TOKENS = {
    "/token/good": "Atza|good-access-token",
    "/token/newline": "Atza|leaked-access-token\nX-Injected: 1",
}


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# ----------------------------------------------------------------------
# credentials stripped
# ----------------------------------------------------------------------
@pytest.mark.parametrize("pasted", [KEY + "\n", f"  {KEY} \r\n", f"\t{KEY}"])
def test_mirakl_key_pasted_with_whitespace_works(mirakl_url, pasted):
    client = MiraklClient(mirakl_url, pasted, shop_id=" 2001\n", timeout=5)
    try:
        assert client.test_connection()["id"] == 2001
    finally:
        client.close()


def test_a_key_that_cannot_be_a_header_is_a_masked_config_error(mirakl_url):
    secret = "abcd-secret\nvalue-1234"
    client = MiraklClient(mirakl_url, secret, timeout=5)
    with pytest.raises(ConfigError) as caught:
        client.test_connection()
    assert_hidden(caught.value, "abcd-secret", "value-1234")
    assert "InvalidHeader" in str(caught.value)


def test_a_key_with_a_character_http_cannot_carry_is_a_config_error(mirakl_url):
    client = MiraklClient(mirakl_url, "key-with-\u20ac-sign", timeout=5)
    with pytest.raises(ConfigError) as caught:
        client.test_connection()
    assert_hidden(caught.value, "key-with-\u20ac-sign")


def test_mask_secrets_masks_escaped_and_stripped_forms():
    secret = "my-secret-key\n"
    assert "my-secret-key" not in mask_secrets(f"value {secret!r}", [secret])
    assert mask_secrets("a my-secret-key b", [secret]) == "a *** b"
    # the longest secret first: none of it is left
    assert mask_secrets("abcdefgh", ["abcd", "abcdefgh"]) == "***"


# ----------------------------------------------------------------------
# every requests exception mapped, masked, not chained
# ----------------------------------------------------------------------
def transport(url, **options):
    options.setdefault("timeout", 2)
    return HttpTransport(
        url,
        headers={"Authorization": "the-secret-key"},
        secrets=("the-secret-key",),
        **options,
    )


def test_a_trickling_answer_stops_at_the_deadline(server):
    http = transport(server, timeout=1, deadline=1.5)
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        http.request("GET", "/trickle", operation="T01")
    assert time.monotonic() - started < 4
    assert "did not arrive within 1.5 s" in str(caught.value)
    assert_hidden(caught.value, "the-secret-key")


def test_the_deadline_follows_the_timeout_by_default(server):
    assert transport(server, timeout=7).deadline == 28


def test_an_answer_too_large_is_refused(server):
    http = transport(server, max_bytes=1000)
    with pytest.raises(TransientError, match="exceeds 1000 bytes"):
        http.request("GET", "/big")
    assert len(transport(server).request("GET", "/big").content) == 5000


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/loop", "TooManyRedirects"),
        ("/chunked", "ChunkedEncodingError"),
        ("/gzip", "ContentDecodingError"),
    ],
)
def test_broken_answers_are_transient_errors(server, path, name):
    with pytest.raises(TransientError) as caught:
        transport(server).request("GET", path, operation="X01")
    assert name in str(caught.value)
    assert_hidden(caught.value, "the-secret-key")


def test_a_compressed_answer_is_read(server):
    assert transport(server).json("GET", "/gzipped") == {"ok": 1}


def test_a_bad_url_is_a_config_error():
    http = HttpTransport("http://[bad-host", timeout=1)
    with pytest.raises(ConfigError) as caught:
        http.request("GET", "/x")
    assert caught.value.__cause__ is None


def test_a_refused_connection_is_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError) as caught:
        transport(f"http://127.0.0.1:{port}").request("GET", "/x")
    assert_hidden(caught.value, "the-secret-key")


def test_a_body_that_cannot_be_json_is_a_config_error(server):
    with pytest.raises(MphubError) as caught:
        transport(server).request("POST", "/x", json={"price": float("nan")})
    assert isinstance(caught.value, ConfigError)


# ----------------------------------------------------------------------
# Amazon: credentials stripped, tokens masked, timeouts and deadlines
# ----------------------------------------------------------------------
def amazon(url, lwa_url, client_id, **options):
    options.setdefault("timeout", 1)
    return AmazonClient(
        url,
        "Atzr|the-refresh-token",
        client_id,
        "the-client-secret",
        "A1SELLER",
        ["A13V1IB3VIYZZH"],
        lwa_url=lwa_url,
        **options,
    )


def in_thread(function, limit):
    """``function()``'s exception (or ``None``), failing the test when it
    takes more than ``limit`` seconds."""
    outcome = {}

    def run():
        try:
            function()
        except Exception as err:  # noqa: BLE001 - handed to the test
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"still running after {limit} s"
    assert time.monotonic() - started < limit
    return outcome.get("error")


def test_amazon_credentials_pasted_with_whitespace_work():
    with Sandbox(seed=3) as box:
        url = box.urls["amazon"]
        seller = "A1SANDBOXSELLER1"
        client = AmazonClient(
            url + " ",
            SELLERS[seller] + "\n",
            f" {LWA_CLIENT_ID}\r\n",
            LWA_CLIENT_SECRET + "  \n",
            f"{seller}\n",
            ["A13V1IB3VIYZZH"],
            lwa_url=f"{url}/auth/o2/token",
            timeout=5,
        )
        assert client.test_connection()["name"].startswith(seller + " ")


def test_the_lwa_call_has_the_accounts_timeout_and_a_deadline(server):
    client = amazon(server, f"{server}/trickle", "app-trickle")
    err = in_thread(client.test_connection, 12)
    assert isinstance(err, TransientError), err
    assert "did not arrive within 4 s" in str(err)
    assert_hidden(err, "the-refresh-token", "the-client-secret")


def test_an_access_token_is_masked_in_errors(server):
    client = amazon(server, f"{server}/token/newline", "app-newline")
    with pytest.raises(MphubError) as caught:
        client.test_connection()
    assert isinstance(caught.value, ConfigError)
    assert_hidden(caught.value, "leaked-access-token", "the-client-secret")


def test_a_feed_document_is_read_within_the_deadline(server):
    client = amazon(server, f"{server}/token/good", "app-trickle-doc")
    err = in_thread(lambda: client.push_status("stock", "trickle"), 12)
    assert isinstance(err, TransientError), err
    assert "did not arrive within 4 s" in str(err)
    # the presigned URL is a credential too
    assert_hidden(err, "S3CRET")


def test_a_compressed_feed_document_is_read(server):
    client = amazon(server, f"{server}/token/good", "app-report")
    status = client.push_status("stock", "report")
    assert status.done and not status.failed
    assert status.lines_read == 1


# ----------------------------------------------------------------------
# neutralization
# ----------------------------------------------------------------------
SECRET_NAME = ("api_key", "secret", "token", "password")


def credential_fields():
    """(addon, table, field) of every stored credential field of the addons'
    models: readable by managers only, or named like a secret."""
    found = []
    for path in sorted((ROOT / "addons").glob("*/models/*.py")):
        addon = path.parts[-3]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            attrs = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                    if isinstance(target, ast.Name):
                        attrs[target.id] = stmt.value
            model = attrs.get("_name") or attrs.get("_inherit")
            if not isinstance(model, ast.Constant):
                continue
            table = model.value.replace(".", "_")
            for name, value in attrs.items():
                if not (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Attribute)
                    and value.func.attr in ("Char", "Text", "Binary")
                ):
                    continue
                options = {k.arg: k.value for k in value.keywords}
                if "compute" in options or "related" in options:
                    continue
                groups = options.get("groups")
                restricted = isinstance(groups, ast.Constant) and "manager" in str(
                    groups.value
                )
                if restricted or any(word in name for word in SECRET_NAME):
                    found.append((addon, table, name))
    return found


def test_every_credential_is_cleared_by_neutralize_sql():
    fields = credential_fields()
    names = {name for _addon, _table, name in fields}
    assert {
        "api_key",
        "amazon_lwa_client_id",
        "amazon_lwa_client_secret",
        "amazon_refresh_token",
    } <= names
    for addon, table, name in fields:
        # the addon's own file: it is run only when that addon is installed
        sql = ROOT / "addons" / addon / "data" / "neutralize.sql"
        assert sql.exists(), f"{addon} has credentials and no data/neutralize.sql"
        text = " ".join(sql.read_text().split())
        if f"DELETE FROM {table};" in text:
            continue  # a table of secrets only (access tokens): emptied
        assert f"UPDATE {table}" in text, (addon, table)
        assert f"{name} = NULL" in text, (addon, name)
