"""The sandbox framework, with a small emulator of its own, over HTTP."""

import http.client
import itertools
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from mphub.sandbox.server import (
    Clock,
    Emulator,
    EmulatorServer,
    Faults,
    HttpError,
    Response,
    format_timestamp,
    parse_timestamp,
)


class Echo(Emulator):
    """An API of three routes; the key "good" is the only valid one."""

    name = "echo"
    common_params = ("lang",)

    def register_routes(self):
        self.route("GET", "/api/items/(?P<item>[^/]+)", "IT01", self.item, ("size",))
        self.route("PUT", "/api/items/(?P<item>[^/]+)", "IT02", self.store)
        self.route("GET", "/api/sneaky", "IT03", self.sneaky)

    def authenticate(self, request):
        if request.headers.get("Authorization") != "good":
            raise HttpError(401, "Unauthorized")
        return "caller"

    def item(self, request, caller):
        if request.params["item"] == "crash":
            raise RuntimeError("boom")
        return Response.json(
            {
                "item": request.params["item"],
                "size": request.arg("size"),
                "lang": request.arg("lang"),
                "caller": caller,
            }
        )

    def store(self, request, caller):
        return Response.empty()

    def sneaky(self, request, caller):
        return Response.json({"undeclared": request.arg("secret")})


@pytest.fixture
def echo():
    server = EmulatorServer(Echo(seed=7)).start()
    yield server
    server.stop()


def get(server, path, key="good", **kwargs):
    return requests.get(
        server.url + path, headers={"Authorization": key}, timeout=5, **kwargs
    )


def test_routes_params_and_error_format(echo):
    answer = get(echo, "/api/items/mug", params={"size": "XL", "lang": "fr", "x": 1})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert answer.json() == {
        "item": "mug",
        "size": "XL",
        "lang": "fr",
        "caller": "caller",
    }
    missing = get(echo, "/api/nowhere")
    assert missing.status_code == 404
    assert missing.json() == {"status": 404, "message": "No resource at /api/nowhere"}
    wrong = requests.post(echo.url + "/api/items/mug", timeout=5)
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, PUT"
    assert get(echo, "/api/items/mug", key="bad").json()["status"] == 401


def test_a_handler_bug_is_a_500_and_the_server_keeps_serving(echo):
    crash = get(echo, "/api/items/crash")
    assert crash.status_code == 500
    assert "boom" in crash.json()["message"]
    # reading a query parameter the route does not declare is a bug too
    assert get(echo, "/api/sneaky").status_code == 500
    assert get(echo, "/api/items/mug").ok


def test_keep_alive_and_content_length(echo):
    connection = http.client.HTTPConnection("127.0.0.1", echo.port)
    try:
        for _ in range(3):  # one connection, several requests
            connection.request("GET", "/api/items/a", headers={"Authorization": "good"})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200
            assert int(response.getheader("Content-Length")) == len(body)
        connection.request("PUT", "/api/items/a", headers={"Authorization": "good"})
        response = connection.getresponse()
        assert response.status == 204
        assert response.getheader("Content-Length") is None
        assert response.read() == b""
    finally:
        connection.close()


def test_stop_ends_kept_alive_connections():
    server = EmulatorServer(Echo()).start()
    session = requests.Session()
    session.headers["Authorization"] = "good"
    assert session.get(server.url + "/api/items/a", timeout=5).ok
    server.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(server.url + "/api/items/a", timeout=5)


def test_fault_switches_are_validated(echo):
    admin = echo.url + "/_sandbox/faults"
    defaults = requests.get(admin, timeout=5).json()
    assert defaults["rate_429"] == 0 and defaults["call_frequency"] == {}
    for bad in ({"nope": 1}, {"rate_5xx": 2}, {"retry_after": "soon"}, [1]):
        answer = requests.post(admin, json=bad, timeout=5)
        assert answer.status_code == 400, bad
        assert answer.json()["status"] == 400
    changed = requests.post(
        admin, json={"rate_429": "0.5", "expired_credentials": "false"}, timeout=5
    ).json()
    assert changed["rate_429"] == 0.5 and changed["expired_credentials"] is False
    with pytest.raises(ValueError):
        echo.emulator.set_faults({"call_frequency": 3})


def test_faults_are_deterministic_and_counted():
    def statuses(seed):
        emulator = Echo(seed=seed, faults={"rate_429": 0.3, "rate_5xx": 0.3})
        server = EmulatorServer(emulator).start()
        try:
            codes = [get(server, "/api/items/a").status_code for _ in range(30)]
        finally:
            server.stop()
        return codes, emulator.get_stats()

    codes, stats = statuses(1)
    assert (codes, stats) == statuses(1)
    assert codes != statuses(2)[0]
    assert set(codes) <= {200, 429, 500, 502, 503}
    counted = stats["IT01"]
    assert counted["calls"] == 30
    assert counted["429"] == codes.count(429)
    assert counted["5xx"] == sum(code >= 500 for code in codes)


def test_admin_routes_never_meet_faults_and_reset_clears_them(echo):
    echo.emulator.set_faults({"expired_credentials": True, "rate_5xx": 1.0})
    assert get(echo, "/api/items/a").status_code == 401
    assert requests.get(echo.url + "/_sandbox/stats", timeout=5).json() == {
        "IT01": {"calls": 1, "429": 0, "5xx": 0, "timeout": 0, "corrupt": 0, "401": 1}
    }
    assert requests.post(echo.url + "/_sandbox/reset", timeout=5).json() == {
        "reset": True
    }
    assert echo.emulator.get_stats() == {}
    assert echo.emulator.get_faults()["expired_credentials"] is False
    assert get(echo, "/api/items/a").ok


def test_call_frequency_retry_after_is_rounded_up():
    faults = Faults(seed=1, name="t", values={"call_frequency": {"OP": 2.5}})
    assert faults.frequency_wait("OP", "key") == 0
    assert faults.frequency_wait("OP", "key") == 3
    assert faults.frequency_wait("OP", "other key") == 0
    assert faults.frequency_wait("OTHER", "key") == 0


def test_timestamps():
    moment = datetime(2026, 11, 22, 10, 15, 30, 123456, tzinfo=timezone.utc)
    assert format_timestamp(moment) == "2026-11-22T10:15:30.123Z"
    for text in (
        "2026-11-22T10:15:30.123Z",
        "2026-11-22T11:15:30.123+01:00",
        "2026-11-22T09:15:30.123000-0100",
        "2026-11-22T10:15:30.123",
    ):
        assert parse_timestamp(text) == moment.replace(microsecond=123000), text
    assert parse_timestamp("2026-11-22T10:15:30Z") == moment.replace(microsecond=0)
    for text in ("soon", "2026-13-22T10:15:30Z", "2026-11-22", "22/11/2026"):
        with pytest.raises(ValueError):
            parse_timestamp(text)


def test_clock_is_strictly_increasing_by_milliseconds():
    clock = Clock()
    moments = [clock.now() for _ in range(500)]
    steps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(steps) >= timedelta(milliseconds=1)
    assert all(m.microsecond % 1000 == 0 for m in moments)
    assert abs(datetime.now(timezone.utc) - moments[0]) < timedelta(seconds=5)


def test_timeout_fault_sleeps_then_answers(echo):
    echo.emulator.set_faults({"rate_timeout": 1.0, "timeout_seconds": 0.3})
    started = time.monotonic()
    assert get(echo, "/api/items/a").ok
    assert time.monotonic() - started >= 0.3
    assert echo.emulator.get_stats()["IT01"]["timeout"] == 1


def test_callers_are_keyed_on_the_authorization_header_by_default(echo):
    echo.emulator.set_faults({"call_frequency": {"IT01": 60}})
    assert get(echo, "/api/items/a").ok
    assert get(echo, "/api/items/a").status_code == 429
    assert get(echo, "/api/items/a", key="bad").status_code == 401  # its own key
    by_caller = requests.get(echo.url + "/_sandbox/stats/callers", timeout=5).json()
    counted = {caller: ops["IT01"] for caller, ops in by_caller.items()}
    assert {caller: (c["calls"], c["429"]) for caller, c in counted.items()} == {
        "good": (2, 1),
        "bad": (1, 0),
    }
    assert echo.emulator.get_stats()["IT01"]["calls"] == 3
    requests.post(echo.url + "/_sandbox/reset", timeout=5)
    assert echo.emulator.stats.by_caller() == {}


class TokenEcho(Echo):
    """The caller is keyed on ``X-Token`` first, then ``Authorization``."""

    name = "token-echo"
    caller_headers = ("X-Token", "Authorization")


def test_caller_headers_choose_the_credential():
    server = EmulatorServer(TokenEcho(faults={"call_frequency": {"IT01": 60}}))
    server.start()
    try:
        for token, status in (("t1", 200), ("t1", 429), ("t2", 200), (None, 200)):
            headers = {"Authorization": "good", **({"X-Token": token} if token else {})}
            answer = requests.get(
                server.url + "/api/items/a", headers=headers, timeout=5
            )
            assert answer.status_code == status
    finally:
        server.stop()
    assert set(server.emulator.stats.by_caller()) == {"t1", "t2", "good"}


def test_only_json_and_xml_answers_are_corrupted():
    class Texts(Echo):
        name = "texts"

        def register_routes(self):
            super().register_routes()
            self.route("GET", "/api/text", "IT04", self.text)
            self.route("GET", "/api/xml", "IT05", self.xml)

        def text(self, request, caller):
            return Response.text("plain text, never cut")

        def xml(self, request, caller):
            return Response(200, b"<a><b>cut me</b></a>", "application/xml")

    server = EmulatorServer(Texts(faults={"rate_corrupt": 1.0})).start()
    try:
        assert get(server, "/api/text").text == "plain text, never cut"
        assert get(server, "/api/xml").content == b"<a><b>cut "
    finally:
        server.stop()
    stats = server.emulator.get_stats()
    assert (stats["IT04"]["corrupt"], stats["IT05"]["corrupt"]) == (0, 1)
