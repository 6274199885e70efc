"""The sandbox framework: emulators served over real HTTP on 127.0.0.1.

An ``Emulator`` holds a route table (method + path pattern -> handler, each
route named after the API operation it emulates), a deterministic store and
fault switches. ``EmulatorServer`` serves one emulator from a background
thread with the standard library's threading HTTP server, HTTP/1.1 with
keep-alive. Admin routes under ``/_sandbox/`` (faults, stats, reset, and what
each emulator adds) never meet faults nor authentication.
"""

import json
import math
import random
import re
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAULT_DEFAULTS = {
    "rate_429": 0.0,  # share of API calls answered 429 with Retry-After
    "retry_after": 1,  # seconds announced in Retry-After
    "rate_5xx": 0.0,  # share answered 500, 502 or 503
    "rate_timeout": 0.0,  # share answered only after timeout_seconds
    "timeout_seconds": 5.0,
    "rate_corrupt": 0.0,  # share of 200 JSON answers cut in the middle
    "expired_credentials": False,  # every API call answers 401
    "call_frequency": {},  # operation -> minimum seconds between calls per key
}
FAULT_COUNTERS = ("calls", "429", "5xx", "timeout", "corrupt", "401")


class HttpError(Exception):
    """Raised by handlers: answered with the emulator's error format."""

    def __init__(self, status, message, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


class Request:
    def __init__(self, method, target, headers, body):
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.params = {}  # path parameters of the matched route

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as err:
            raise HttpError(400, f"Invalid JSON body: {err}") from err


class Response:
    def __init__(
        self, status=200, body=b"", content_type="application/json", headers=None
    ):
        self.status = status
        self.body = body
        self.headers = {"Content-Type": content_type} if body else {}
        self.headers.update(headers or {})

    @classmethod
    def json(cls, data, status=200, headers=None):
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(status, body, "application/json;charset=UTF-8", headers)

    @classmethod
    def empty(cls, status=204):
        return cls(status)

    @classmethod
    def text(cls, text, status=200, content_type="text/plain;charset=UTF-8"):
        return cls(status, text.encode(), content_type)


class Emulator:
    """Base of every emulator: routing, faults, stats, admin routes."""

    name = "emulator"

    def __init__(self, seed=42, faults=None):
        self.seed = seed
        self.lock = threading.RLock()
        self.routes = []
        self.admin_routes = []
        self._init_faults()
        self.register_routes()
        self._register_admin_routes()
        if faults:
            self.set_faults(faults)

    # -- to implement ----------------------------------------------------
    def register_routes(self):
        """Declare the API routes with ``self.route``."""

    def authenticate(self, request):
        """Return what the handlers need to know of the caller, or raise
        ``HttpError(401)``."""
        return None

    def error_body(self, status, message, errors=None):
        return {"status": status, "message": message}

    def reset_store(self):
        """Back to the seeded initial data."""

    # -- routing ---------------------------------------------------------
    def route(self, method, pattern, operation, handler):
        self.routes.append((method, re.compile(f"^{pattern}$"), operation, handler))

    def admin_route(self, method, pattern, handler):
        self.admin_routes.append((method, re.compile(f"^/_sandbox{pattern}$"), handler))

    def _register_admin_routes(self):
        self.admin_route("GET", "/faults", lambda r: Response.json(self.get_faults()))
        self.admin_route("POST", "/faults", self._admin_set_faults)
        self.admin_route("GET", "/stats", lambda r: Response.json(self.get_stats()))
        self.admin_route("POST", "/reset", self._admin_reset)

    def _admin_set_faults(self, request):
        self.set_faults(request.json() or {})
        return Response.json(self.get_faults())

    def _admin_reset(self, request):
        self.reset()
        return Response.json({"reset": True})

    def _find(self, table, request):
        allowed = []
        for entry in table:
            method, pattern = entry[0], entry[1]
            match = pattern.match(request.path)
            if match:
                if method == request.method:
                    request.params = match.groupdict()
                    return entry
                allowed.append(method)
        if allowed:
            raise HttpError(405, f"Method {request.method} not allowed")
        raise HttpError(404, f"No resource at {request.path}")

    # -- faults and stats --------------------------------------------------
    def _init_faults(self):
        self.faults = {
            k: (dict(v) if isinstance(v, dict) else v)
            for k, v in FAULT_DEFAULTS.items()
        }
        self.fault_rng = random.Random(f"{self.name}-faults-{self.seed}")
        self.stats = defaultdict(lambda: dict.fromkeys(FAULT_COUNTERS, 0))
        self._last_calls = {}

    def set_faults(self, values):
        unknown = set(values) - set(FAULT_DEFAULTS)
        if unknown:
            raise HttpError(
                400, f"Unknown fault switch(es): {', '.join(sorted(unknown))}"
            )
        with self.lock:
            for key, value in values.items():
                default = FAULT_DEFAULTS[key]
                if isinstance(default, bool):
                    value = bool(value)
                elif isinstance(default, dict):
                    if not isinstance(value, dict):
                        raise HttpError(400, f"{key} must be an object")
                    value = {str(k): float(v) for k, v in value.items()}
                elif key.startswith("rate_"):
                    value = float(value)
                    if not 0 <= value <= 1:
                        raise HttpError(400, f"{key} must be between 0 and 1")
                else:
                    value = type(default)(value)
                self.faults[key] = value

    def get_faults(self):
        with self.lock:
            return json.loads(json.dumps(self.faults))

    def get_stats(self):
        with self.lock:
            return {op: dict(counts) for op, counts in self.stats.items()}

    def reset(self):
        with self.lock:
            self._init_faults()
            self.reset_store()

    def _count(self, operation, what):
        with self.lock:
            self.stats[operation][what] += 1

    def _draw(self, key):
        rate = self.faults[key]
        if rate <= 0:
            return False
        with self.lock:
            return self.fault_rng.random() < rate

    def _apply_faults(self, request, operation):
        """Faults before the handler runs; returns a Response or None."""
        if self.faults["expired_credentials"]:
            self._count(operation, "401")
            raise HttpError(401, "Unauthorized: the credentials have expired")
        minimum = self.faults["call_frequency"].get(operation)
        if minimum:
            key = (operation, request.headers.get("Authorization", ""))
            now = time.monotonic()
            with self.lock:
                last = self._last_calls.get(key)
                if last is not None and now - last < minimum:
                    wait = math.ceil(minimum - (now - last))
                    self.stats[operation]["429"] += 1
                    raise HttpError(
                        429, "Too Many Requests", headers={"Retry-After": str(wait)}
                    )
                self._last_calls[key] = now
        if self._draw("rate_timeout"):
            self._count(operation, "timeout")
            time.sleep(self.faults["timeout_seconds"])
        if self._draw("rate_429"):
            self._count(operation, "429")
            raise HttpError(
                429,
                "Too Many Requests",
                headers={"Retry-After": str(self.faults["retry_after"])},
            )
        if self._draw("rate_5xx"):
            self._count(operation, "5xx")
            with self.lock:
                status = self.fault_rng.choice((500, 502, 503))
            raise HttpError(status, "Server error (injected by the sandbox)")
        return None

    # -- dispatch ----------------------------------------------------------
    def handle(self, request):
        """Answer one request; never raises."""
        try:
            if request.path.startswith("/_sandbox/"):
                _method, _pattern, handler = self._find(self.admin_routes, request)
                return handler(request)
            _method, _pattern, operation, handler = self._find(self.routes, request)
        except HttpError as err:
            return self._error_response(err)
        self._count(operation, "calls")
        try:
            self._apply_faults(request, operation)
            caller = self.authenticate(request)
            response = handler(request, caller)
        except HttpError as err:
            return self._error_response(err)
        if (
            response.status == 200
            and response.headers.get("Content-Type", "").startswith("application/json")
            and self._draw("rate_corrupt")
        ):
            self._count(operation, "corrupt")
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _error_response(self, err):
        return Response.json(
            self.error_body(err.status, err.message, err.errors),
            status=err.status,
            headers=err.headers,
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mphub-sandbox"
    emulator = None  # set on the subclass made per server

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, self.headers, body)
        response = self.emulator.handle(request)
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        """Silent: tests and benchmarks read the stats endpoint instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


class EmulatorServer:
    """Serves one emulator from a background thread."""

    def __init__(self, emulator, host="127.0.0.1", port=0):
        handler = type(f"{emulator.name}Handler", (_Handler,), {"emulator": emulator})
        self.emulator = emulator
        self.httpd = _Server((host, port), handler)
        self.host = host
        self.thread = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self):
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"sandbox-{self.emulator.name}",
            daemon=True,
        )
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread:
            self.thread.join(timeout=5)
