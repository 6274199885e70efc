"""The sandbox framework: emulators served over real HTTP.

An ``Emulator`` holds a route table (HTTP method + path pattern -> handler,
each route named after the API operation it emulates, e.g. "OR11"), its
deterministic store and its ``Faults``. ``EmulatorServer`` serves one emulator
from a background thread with the standard library's threading HTTP server,
speaking HTTP/1.1 with keep-alive.

Serving one API request, in this order:

1. the operation is resolved: by path and method (the route table), and for
   a route declared with a ``protocol`` (``mphub.sandbox.protocols``: SOAP,
   XML over POST) by what the request names, among the routes of the same
   method and path (SOAPAction header / ``action`` of the Content-Type / the
   Body's first child; the body's root element). A request that names no
   known operation gets the API's 404/405, or the protocol's own error;
2. the caller is keyed by the ``caller_key(request)`` hook (default: the
   first of the ``caller_headers`` the request carries, ``Authorization``);
3. the call is counted, per operation and per caller key;
4. ``_inject_faults(request, operation)`` applies the fault switches of that
   operation (expired credentials, call frequency per caller key, timeout,
   429, 5xx); the 429 and 5xx it raises are flagged ``gateway`` (answered by
   the front end, not by the service: see the protocols for what they look
   like);
5. ``authenticate(request)`` gives the caller the handler receives;
6. the handler answers; a 200 JSON or XML answer may then be corrupted (cut
   in the middle, ``rate_corrupt``).

Errors (``HttpError``) are answered by ``error_response(err)``: the route's
protocol renders them (a SOAP Fault, an XML error document) when it has one,
otherwise ``error_body`` gives the JSON body.

Hooks an emulator overrides: ``register_routes``, ``authenticate``,
``caller_key`` (or ``caller_headers``), ``error_body``, ``error_response``,
``_inject_faults`` (call ``super()``), ``handle`` (call ``super()``),
``reset_store``, ``populate``, ``populate_offers``, ``index_info``.

Admin routes live under ``/_sandbox/`` and never meet faults nor
authentication. Every emulator has these:

- ``GET /_sandbox/faults``: the current fault switches;
- ``POST /_sandbox/faults``: change some of them (JSON object, unknown key ->
  400);
- ``GET /_sandbox/stats``: per operation, the calls and each fault served;
- ``GET /_sandbox/stats/callers``: the same per caller key;
- ``POST /_sandbox/reset``: store back to its seeded initial state, faults
  off, stats cleared.

``GET /`` answers an index of the sandbox (HTML, or JSON when the request's
``Accept`` asks for ``application/json``): each emulator with its base URL,
its accounts and their keys, its control endpoints and its active faults
(see ``Emulator.index_data``; ``link_servers`` makes each emulator show the
others served with it). Only ``GET /`` does: other paths keep the API's 404.
"""

import copy
import errno
import html
import json
import logging
import math
import random
import re
import socket
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from ..http import parse_xml

_logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sandbox/"
FAULT_DEFAULTS = {
    "rate_429": 0.0,  # share of API calls answered 429 with Retry-After
    "retry_after": 1,  # seconds announced in Retry-After
    "rate_5xx": 0.0,  # share answered 500, 502 or 503
    "rate_timeout": 0.0,  # share answered normally after timeout_seconds only
    "timeout_seconds": 5.0,
    "rate_corrupt": 0.0,  # share of 200 JSON or XML answers cut in the middle
    "expired_credentials": False,  # every API call answers 401
    "call_frequency": {},  # operation -> minimum seconds between calls per key
}
FAULT_COUNTERS = ("calls", "429", "5xx", "timeout", "corrupt", "401")


# ----------------------------------------------------------------------
# time
# ----------------------------------------------------------------------
def format_timestamp(moment):
    """UTC ISO 8601 with milliseconds and ``Z``: ``2026-11-22T10:15:30.123Z``."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


_TIMESTAMP = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:\.(?P<fraction>\d{1,9}))?"
    r"(?:(?P<utc>Z)|(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2}))?",
    re.IGNORECASE,
)


def parse_timestamp(text):
    """Parse an ISO 8601 date-time, ``Z`` or offset, with or without
    fraction (on every supported Python); naive means UTC. Raises
    ``ValueError``."""
    match = _TIMESTAMP.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"not an ISO 8601 date-time: {text!r}")
    layout = "%Y-%m-%dT%H:%M:%S" if match["time"].count(":") == 2 else "%Y-%m-%dT%H:%M"
    moment = datetime.strptime(f"{match['date']}T{match['time']}", layout)
    microsecond = int((match["fraction"] or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if match["sign"]:
        offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
        offset = -offset if match["sign"] == "-" else offset
    zone = timezone(offset)
    return moment.replace(microsecond=microsecond, tzinfo=zone).astimezone(timezone.utc)


class Clock:
    """Real UTC time, in milliseconds, strictly increasing.

    Two events never share a timestamp, so sorting by date is stable and a
    change is always visible to an "updated since" filter.
    """

    def __init__(self):
        self._last = None
        self._lock = threading.Lock()

    def now(self):
        now = datetime.now(timezone.utc)
        moment = now.replace(microsecond=now.microsecond // 1000 * 1000)
        with self._lock:
            if self._last is not None and moment <= self._last:
                moment = self._last + timedelta(milliseconds=1)
            self._last = moment
        return moment

    def settle(self):
        """Wait until real time has caught up with the last moment given:
        after a burst of events (more than one a millisecond) the clock runs
        ahead, and a client asking for what changed "until now" would miss
        the last ones, as it never would on a real marketplace."""
        with self._lock:
            last = self._last
        if last is not None:
            ahead = (last - datetime.now(timezone.utc)).total_seconds()
            if ahead > 0:
                time.sleep(ahead + 0.001)


# ----------------------------------------------------------------------
# requests and responses
# ----------------------------------------------------------------------
class HttpError(Exception):
    """Raised by handlers; answered in the emulator's error format.

    ``errors`` is a list of ``{"code": ..., "message": ...}`` for APIs that
    document symbolic error codes (a SOAP Fault's code, an XML error's
    ``code``). ``gateway`` marks an answer of the infrastructure in front of
    the service (the framework's injected 429 and 5xx). ``request``,
    ``protocol`` and ``operation`` are those of the request being served
    (set by ``Emulator.handle`` when the handler leaves them unset).
    """

    def __init__(self, status, message, errors=None, headers=None, *, gateway=False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.gateway = gateway
        self.request = None
        self.protocol = None
        self.operation = None


class Request:
    """One HTTP request, as handlers see it."""

    def __init__(self, method, target, headers, body):
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.params = {}  # path parameters of the matched route
        self.declared = None  # query parameters the matched route may read
        self.local_address = None  # (host, port) the client reached, if known
        self.protocol = None  # the matched route's protocol (None: REST/JSON)
        self.operation = None  # the resolved operation
        self.caller_key = None  # the caller's credential (``caller_key``)
        self.soap_version = None  # "1.1" or "1.2" on a SOAP endpoint
        self._xml = None

    def _check_declared(self, name):
        if self.declared is not None and name not in self.declared:
            raise LookupError(f"query parameter {name!r} is not declared by the route")

    def arg(self, name, default=None):
        """The last value of a query parameter (``default`` if absent)."""
        self._check_declared(name)
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name):
        """Every value of a repeatable query parameter."""
        self._check_declared(name)
        return list(self.query.get(name, ()))

    def json(self):
        """The JSON body, ``None`` when empty; invalid JSON -> 400."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as err:
            raise HttpError(400, f"Invalid JSON body: {err}") from err

    def xml(self):
        """The root ``Element`` of the XML body (parsed once); an empty or
        malformed body, or one declaring a document type -> 400."""
        if self._xml is None:
            if not self.body:
                raise HttpError(400, "The body is empty: an XML document is expected")
            try:
                self._xml = parse_xml(self.body)
            except ValueError as err:
                raise HttpError(400, f"Invalid XML body: {err}") from err
        return self._xml

    def json_object(self):
        """The JSON object in the body, ``{}`` when empty; anything else ->
        400."""
        body = self.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise HttpError(400, "The body must be a JSON object")
        return body


JSON_TYPE = "application/json;charset=UTF-8"


class Response:
    """Status, headers and body bytes of an answer."""

    def __init__(self, status=200, body=b"", content_type=JSON_TYPE, headers=None):
        self.status = status
        self.body = body
        self.headers = {"Content-Type": content_type} if body else {}
        self.headers.update(headers or {})

    @classmethod
    def json(cls, data, status=200, headers=None):
        return cls(status, dumps(data), JSON_TYPE, headers)

    @classmethod
    def empty(cls, status=204):
        return cls(status)

    @classmethod
    def text(cls, text, status=200, content_type="text/plain;charset=UTF-8"):
        return cls(status, text.encode(), content_type)

    @property
    def is_json(self):
        return self.headers.get("Content-Type", "").startswith("application/json")

    @property
    def is_xml(self):
        """``text/xml``, ``application/xml``, ``application/soap+xml``..."""
        media = self.headers.get("Content-Type", "").partition(";")[0].lower()
        return media.endswith(("/xml", "+xml"))


def date_arg(request, name):
    """The date of query parameter ``name`` (ISO 8601), None when absent;
    HTTP 400 when it is not a date."""
    value = request.arg(name)
    if not value:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as err:
        raise HttpError(400, f"Invalid date for {name}: {value!r}") from err


def dumps(data):
    """Compact UTF-8 JSON bytes."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


class Route(NamedTuple):
    method: str
    pattern: re.Pattern
    operation: str  # API operation name, e.g. "OR11"; None for admin routes
    handler: object
    params: frozenset  # query parameters the handler may read
    description: str = ""  # one line for the index (admin routes)
    # resolves the operation from the request among the routes of the same
    # method and path, renders errors (mphub.sandbox.protocols); None: REST
    protocol: object = None


# ----------------------------------------------------------------------
# faults and stats
# ----------------------------------------------------------------------
class Faults:
    """The fault switches of one emulator and the RNG that applies them.

    The RNG is seeded from the sandbox seed and is separate from the data
    RNGs, so injecting faults never changes the generated data.
    """

    def __init__(self, seed, name, values=None):
        self._seed = f"{name}-faults-{seed}"
        self._lock = threading.Lock()
        self.reset()
        if values:
            self.update(values)

    def reset(self):
        with self._lock:
            self._values = copy.deepcopy(FAULT_DEFAULTS)
            self._rng = random.Random(self._seed)
            self._last_calls = {}

    def __getitem__(self, key):
        return self._values[key]

    def as_dict(self):
        with self._lock:
            return copy.deepcopy(self._values)

    def update(self, values):
        """Change some switches; raises ``ValueError`` (nothing changed) on an
        unknown key or a bad value."""
        if not isinstance(values, dict):
            raise ValueError("fault switches must be a JSON object")
        unknown = sorted(set(values) - set(FAULT_DEFAULTS))
        if unknown:
            raise ValueError(f"unknown fault switch(es): {', '.join(unknown)}")
        checked = {key: self._check(key, value) for key, value in values.items()}
        with self._lock:
            self._values.update(checked)

    @staticmethod
    def _check(key, value):
        default = FAULT_DEFAULTS[key]
        try:
            if isinstance(default, bool):
                return _boolean(value)
            if isinstance(default, dict):
                if not isinstance(value, dict):
                    raise ValueError(f"{key} must be an object")
                return {str(op): float(seconds) for op, seconds in value.items()}
            value = type(default)(value)
        except (TypeError, ValueError) as err:
            raise ValueError(f"bad value for {key}: {err}") from err
        if key.startswith("rate_") and not 0 <= value <= 1:
            raise ValueError(f"{key} must be between 0 and 1")
        if value < 0:
            raise ValueError(f"{key} must be positive")
        return value

    def draw(self, key):
        """True for a share ``self[key]`` of the calls."""
        rate = self._values[key]
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def server_error_status(self):
        with self._lock:
            return self._rng.choice((500, 502, 503))

    def frequency_wait(self, operation, caller_key):
        """Seconds (rounded up) before ``caller_key`` may call ``operation``
        again, 0 when the call is allowed (and then remembered)."""
        minimum = self._values["call_frequency"].get(operation)
        if not minimum:
            return 0
        key = (operation, caller_key)
        now = time.monotonic()
        with self._lock:
            last = self._last_calls.get(key)
            if last is not None and now - last < minimum:
                return max(1, math.ceil(minimum - (now - last)))
            self._last_calls[key] = now
        return 0


def _boolean(value):
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _counters():
    return defaultdict(lambda: dict.fromkeys(FAULT_COUNTERS, 0))


class Stats:
    """Per operation: calls, and each fault served; the same per caller key
    when the framework knows the caller."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._counts = _counters()
            self._callers = defaultdict(_counters)

    def count(self, operation, what, caller=None):
        """Count ``what`` (one of ``FAULT_COUNTERS``) for ``operation``, and
        for the caller key ``caller`` unless None."""
        with self._lock:
            self._counts[operation][what] += 1
            if caller is not None:
                self._callers[caller][operation][what] += 1

    def as_dict(self):
        with self._lock:
            return {op: dict(counts) for op, counts in self._counts.items()}

    def by_caller(self):
        """Caller key -> operation -> counts."""
        with self._lock:
            return {
                caller: {op: dict(counts) for op, counts in operations.items()}
                for caller, operations in self._callers.items()
            }

    def calls(self, operation=None):
        """Calls served for ``operation``, or for every operation."""
        with self._lock:
            if operation:
                return (
                    self._counts[operation]["calls"] if operation in self._counts else 0
                )
            return sum(counts["calls"] for counts in self._counts.values())


# ----------------------------------------------------------------------
# emulators
# ----------------------------------------------------------------------
class Emulator:
    """Base of every emulator: routing, faults, stats, admin routes.

    Subclasses set ``name``, declare their API routes in ``register_routes``
    and implement ``authenticate``, ``error_body`` and ``reset_store``
    (``caller_key`` when the credential is not in a ``caller_headers``
    header). Faults apply to the API routes only, once the operation is
    resolved, in this order: expired credentials (401), call frequency
    (429), timeout (sleep, then answer), 429, 5xx, and last, on a 200 JSON
    or XML answer, corruption (body cut in the middle).
    """

    name = "emulator"
    title = ""  # the index's heading, e.g. "Mirakl seller API"
    common_params = ()  # query parameters every API route may read
    # the headers whose value keys the caller (the first one present), for
    # per-caller frequency limits and stats; see ``caller_key``
    caller_headers = ("Authorization",)
    # "METHOD /_sandbox/path" -> one line describing the control endpoint
    admin_help = {}
    # name -> EmulatorServer of every emulator served with this one (the
    # index lists them); set by ``link_servers``
    peers = None

    def __init__(self, seed=42, faults=None, catalog_size=60):
        self.seed = seed
        self.catalog_size = catalog_size  # products sold: catalog.products()
        self.lock = threading.RLock()  # guards the store
        self.clock = Clock()
        self.routes = []
        self.admin_routes = []
        self.faults = Faults(seed, self.name, faults)
        self.stats = Stats()
        self.register_routes()
        self._register_admin_routes()

    # -- to implement ----------------------------------------------------
    def register_routes(self):
        """Declare the API routes with ``self.route``."""

    def authenticate(self, request):
        """What the handlers need to know of the caller; raise
        ``HttpError(401)`` when the credentials are refused."""
        return None

    def caller_key(self, request):
        """The credential that tells callers apart (frequency limits and
        stats are per caller key): by default the value of the first of
        ``caller_headers`` the request carries, ``""`` for none. An API whose
        credential travels in the body overrides it, e.g. a SOAP header's
        token (``protocols.soap_header`` and ``protocols.find_text``) or an
        XML root attribute (``request.xml().get("token")``). Called after
        the operation is resolved and before faults apply; never raises
        (``""`` when the body holds no credential)."""
        for name in self.caller_headers:
            value = request.headers.get(name)
            if value:
                return value
        return ""

    def error_body(self, status, message, errors=None):
        """The JSON body of an error answer, in the emulated API's format."""
        body = {"status": status, "message": message}
        if errors:
            body["errors"] = errors
        return body

    def reset_store(self):
        """Back to the seeded initial data."""

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0):
        """Create ``orders`` orders in each account of the emulator (the
        command line's ``--orders``); an emulator without orders ignores
        it."""

    def populate_offers(self, count, **shares):
        """Create ``count`` offers (listings) in each account (the command
        line's ``--offers``); ``shares`` are the emulator's defect shares. An
        emulator without offers ignores it."""

    def index_info(self):
        """This emulator's part of the index (``GET /``), read-only: a dict
        with ``account_kind`` (e.g. "shop"), ``authentication`` (how a
        client authenticates, one sentence), ``credentials`` (emulator-wide
        keys, name -> value), ``accounts`` (one dict per account: its keys
        and counts) and ``settings`` (name -> value)."""
        return {
            "account_kind": "account",
            "authentication": "",
            "credentials": {},
            "accounts": [],
            "settings": {},
        }

    # -- public API --------------------------------------------------------
    def set_faults(self, values):
        """Change fault switches (``ValueError`` on an unknown key)."""
        self.faults.update(values)

    def get_faults(self):
        return self.faults.as_dict()

    def get_stats(self):
        return self.stats.as_dict()

    def reset(self):
        """Store back to its seeded state, faults off, stats cleared."""
        self.faults.reset()
        self.stats.reset()
        with self.lock:
            self.reset_store()

    # -- routing ---------------------------------------------------------
    def route(self, method, pattern, operation, handler, params=(), protocol=None):
        """An API route: ``handler(request, caller)`` answers ``method`` on
        paths matching ``pattern`` (named groups become ``request.params``)
        and may read the query parameters ``params`` and
        ``common_params``.

        With a ``protocol`` (``mphub.sandbox.protocols.Soap``, ``XmlPost``)
        several operations share one method and path: the protocol resolves
        which one the request names, and renders the errors of those
        routes. Give every route of one endpoint the same protocol object.
        """
        allowed = frozenset(params) | frozenset(self.common_params)
        self.routes.append(
            Route(
                method, re.compile(pattern), operation, handler, allowed, "", protocol
            )
        )

    def admin_route(self, method, pattern, handler, description=""):
        """An admin route under ``/_sandbox``: ``handler(request)``;
        ``description`` (or else ``admin_help``) is shown by the index."""
        full = re.compile(ADMIN_PREFIX.rstrip("/") + pattern)
        self.admin_routes.append(Route(method, full, None, handler, None, description))

    def _register_admin_routes(self):
        self.admin_route(
            "GET",
            "/faults",
            lambda r: Response.json(self.get_faults()),
            "the fault switches",
        )
        self.admin_route(
            "POST",
            "/faults",
            self._admin_set_faults,
            'change fault switches, e.g. {"rate_429": 0.2}',
        )
        self.admin_route(
            "GET",
            "/stats",
            lambda r: Response.json(self.get_stats()),
            "per API operation: the calls and each fault served",
        )
        self.admin_route(
            "GET",
            "/stats/callers",
            lambda r: Response.json(self.stats.by_caller()),
            "per caller key (credential), per API operation: the calls and "
            "each fault served",
        )
        self.admin_route(
            "POST",
            "/reset",
            self._admin_reset,
            "back to the seeded data, faults off, stats cleared",
        )

    def _admin_set_faults(self, request):
        self.set_faults(request.json_object())
        return Response.json(self.get_faults())

    def _admin_reset(self, request):
        self.reset()
        return Response.json({"reset": True})

    @staticmethod
    def _match(table, request):
        allowed = []
        for index, route in enumerate(table):
            match = route.pattern.fullmatch(request.path)
            if match:
                if route.method == request.method:
                    request.params = match.groupdict()
                    request.declared = route.params
                    if route.protocol is None:
                        return route
                    return Emulator._dispatch(table[index:], route.protocol, request)
                allowed.append(route.method)
        if allowed:
            raise HttpError(
                405,
                f"Method {request.method} not allowed on {request.path}",
                headers={"Allow": ", ".join(allowed)},
            )
        raise HttpError(404, f"No resource at {request.path}")

    @staticmethod
    def _dispatch(routes, protocol, request):
        """The route, among ``routes`` of ``protocol`` with the request's
        method and path, of the operation the request names (raises the
        protocol's error when it names none, or an unknown one)."""
        request.protocol = protocol
        operation = protocol.resolve(request)
        for route in routes:
            if (
                route.protocol is protocol
                and route.operation == operation
                and route.method == request.method
            ):
                match = route.pattern.fullmatch(request.path)
                if match:
                    request.params = match.groupdict()
                    request.declared = route.params
                    return route
        raise protocol.unknown_operation(request, operation)

    # -- dispatch ----------------------------------------------------------
    def handle(self, request):
        """Answer one request; never raises."""
        try:
            if request.path.startswith(ADMIN_PREFIX):
                return self._handle_admin(request)
            if self._is_index(request):
                return self._index(request)
            return self._handle_api(request)
        except HttpError as err:
            return self.error_response(self._in_context(err, request))
        except Exception as err:  # a sandbox bug: answer it, keep serving
            _logger.exception(
                "%s: %s %s failed", self.name, request.method, request.path
            )
            error = HttpError(500, f"Sandbox error: {err!r}")
            return self.error_response(self._in_context(error, request))

    @staticmethod
    def _in_context(err, request):
        """``err`` with ``request``, its protocol and its operation."""
        if err.request is None:
            err.request = request
        if err.protocol is None:
            err.protocol = request.protocol
        if err.operation is None:
            err.operation = request.operation
        return err

    # -- index (GET /) -----------------------------------------------------
    def _is_index(self, request):
        """``GET /``, unless an API route of the emulator serves ``/``."""
        return (
            request.method == "GET"
            and request.path == "/"
            and not any(route.pattern.fullmatch("/") for route in self.routes)
        )

    def _index(self, request):
        data = self.index_data(request)
        if wants_json(request.headers.get("Accept")):
            response = Response.json(data)
        else:
            page = render_index(data)
            response = Response(200, page.encode(), "text/html;charset=UTF-8")
        response.headers["Vary"] = "Accept"
        response.headers["Cache-Control"] = "no-store"
        return response

    def control_endpoints(self):
        """The admin routes, as the index lists them: method, path (with
        ``{name}`` for a path parameter) and description."""
        endpoints = []
        for route in self.admin_routes:
            path = _PATH_PARAMETER.sub(r"{\1}", route.pattern.pattern)
            description = route.description or self.admin_help.get(
                f"{route.method} {path}", ""
            )
            endpoints.append(
                {"method": route.method, "path": path, "description": description}
            )
        return endpoints

    def active_faults(self):
        """The fault switches not at their default value."""
        return {
            key: value
            for key, value in self.get_faults().items()
            if value != FAULT_DEFAULTS[key]
        }

    def index_entry(self, base_url):
        """This emulator in the index, served at ``base_url``."""
        return {
            "name": self.name,
            "title": self.title or self.name,
            "base_url": base_url,
            **self.index_info(),
            "control_endpoints": self.control_endpoints(),
            "faults": self.active_faults(),
        }

    def index_data(self, request):
        """The index's data: the seed, and every emulator of ``peers`` (or
        this one alone) with its base URL as this request reached it."""
        peers = self.peers or {}
        if self.name not in peers:
            entries = [self.index_entry(_request_base_url(request))]
        else:
            entries = [
                server.emulator.index_entry(_server_base_url(server, request))
                for server in peers.values()
            ]
        return {
            "sandbox": "mphub",
            "answered_by": self.name,
            "seed": self.seed,
            "emulators": entries,
        }

    def _handle_admin(self, request):
        route = self._match(self.admin_routes, request)
        try:
            return route.handler(request)
        except ValueError as err:  # bad input given to the Python API
            raise HttpError(400, str(err)) from err

    def _handle_api(self, request):
        route = self._match(self.routes, request)
        operation = request.operation = route.operation
        request.caller_key = caller_key = self.caller_key(request)
        self.stats.count(operation, "calls", caller_key)
        self._inject_faults(request, operation)
        caller = self.authenticate(request)
        response = route.handler(request, caller)
        if (
            response.status == 200
            and (response.is_json or response.is_xml)
            and self.faults.draw("rate_corrupt")
        ):
            self.stats.count(operation, "corrupt", caller_key)
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _inject_faults(self, request, operation):
        """The faults decided before the handler runs (raise ``HttpError``);
        ``operation`` is resolved, ``request.caller_key`` set."""
        caller_key = request.caller_key
        if caller_key is None:
            caller_key = request.caller_key = self.caller_key(request)
        if self.faults["expired_credentials"]:
            self.stats.count(operation, "401", caller_key)
            raise HttpError(401, "Unauthorized")
        wait = self.faults.frequency_wait(operation, caller_key)
        if wait:
            self.stats.count(operation, "429", caller_key)
            raise HttpError(
                429,
                f"Too Many Requests: {operation} called too often",
                headers={"Retry-After": str(wait)},
                gateway=True,
            )
        if self.faults.draw("rate_timeout"):
            self.stats.count(operation, "timeout", caller_key)
            time.sleep(self.faults["timeout_seconds"])
        if self.faults.draw("rate_429"):
            self.stats.count(operation, "429", caller_key)
            raise HttpError(
                429,
                "Too Many Requests",
                headers={"Retry-After": str(self.faults["retry_after"])},
                gateway=True,
            )
        if self.faults.draw("rate_5xx"):
            self.stats.count(operation, "5xx", caller_key)
            status = self.faults.server_error_status()
            raise HttpError(
                status, "Server error (injected by the sandbox)", gateway=True
            )

    def error_response(self, err):
        """The answer to ``err``: rendered by its protocol (SOAP Fault, XML
        error document, front-end page), else JSON from ``error_body``."""
        if err.protocol is not None:
            return err.protocol.error_response(self, err)
        return Response.json(
            self.error_body(err.status, err.message, err.errors),
            status=err.status,
            headers=err.headers,
        )


# ----------------------------------------------------------------------
# HTTP server
# ----------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, every answer has its length
    server_version = "mphub-sandbox"
    # headers and body leave in two writes: without this, Nagle's algorithm
    # and the client's delayed ACK cost 40 ms per answer
    disable_nagle_algorithm = True
    emulator = None  # set on the subclass made for each server

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, self.headers, body)
        request.local_address = self.connection.getsockname()[:2]
        response = self.emulator.handle(request)
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if response.status not in (204, 304):  # no body, no length (RFC 9110)
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):
        """Silent: tests and benchmarks read ``/_sandbox/stats`` instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, handler):
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """End the kept-alive connections, so a stopped server answers no
        more."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client left, e.g. after its own timeout
        super().handle_error(request, client_address)


class ListenError(OSError):
    """An emulator's server cannot listen on its address (port in use,
    reserved port, unknown host...); ``strerror`` says it in one line."""

    def __init__(self, name, host, port, cause):
        if cause.errno == errno.EADDRINUSE:
            reason = "port already in use"
        else:
            reason = cause.strerror or str(cause)
        super().__init__(
            cause.errno, f"{name}: cannot listen on {host}:{port}: {reason}"
        )
        self.emulator = name
        self.host = host
        self.port = port


class EmulatorServer:
    """Serves one emulator from a background thread.

    ``port=0`` takes a free port; ``url`` is the base URL to give clients.
    Raises ``ListenError`` when it cannot listen on ``host:port``.
    """

    def __init__(self, emulator, host="127.0.0.1", port=0):
        handler = type(f"{emulator.name}Handler", (_Handler,), {"emulator": emulator})
        self.emulator = emulator
        self.host = host
        try:
            self.httpd = _Server((host, port), handler)
        except OSError as err:
            raise ListenError(emulator.name, host, port, err) from err
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
            kwargs={"poll_interval": 0.1},
            name=f"sandbox-{self.emulator.name}",
            daemon=True,
        )
        self.thread.start()
        return self

    def stop(self):
        if self.thread:
            self.httpd.shutdown()
            self.thread.join(timeout=5)
            self.thread = None
        self.httpd.close_connections()
        self.httpd.server_close()


def link_servers(servers):
    """Make the index of each emulator of ``servers`` (name ->
    ``EmulatorServer``, e.g. ``Sandbox.servers``) list all of them."""
    peers = dict(servers)
    for server in peers.values():
        server.emulator.peers = peers


# ----------------------------------------------------------------------
# index page
# ----------------------------------------------------------------------
_PATH_PARAMETER = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def wants_json(accept):
    """Whether an ``Accept`` header prefers ``application/json`` to HTML
    (wildcards count for HTML only; a tie goes to JSON, named)."""
    best = {"json": 0.0, "html": 0.0}
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _equal, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        kind = "json" if media == "application/json" else "html"
        if kind == "html" and media not in ("text/html", "text/*", "*/*"):
            continue
        best[kind] = max(best[kind], quality)
    return best["json"] > 0 and best["json"] >= best["html"]


def _host_name(request):
    """The host name (no port) the client used, from ``Host``; None if
    absent."""
    host = (request.headers.get("Host") or "").strip()
    if not host:
        return None
    if host.startswith("["):  # [::1]:8901
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if ":" in host else host


def _url(host, port):
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{port}"


def _request_base_url(request):
    """The base URL the client reached."""
    address = request.local_address or ("127.0.0.1", 80)
    host = (request.headers.get("Host") or "").strip()
    return f"http://{host}" if host else _url(*address)


def _server_base_url(server, request):
    """A peer's base URL: its own, or on the host name the client used
    when the server listens on every interface (e.g. in a container)."""
    if server.host in _WILDCARD_HOSTS:
        return _url(_host_name(request) or "127.0.0.1", server.port)
    return server.url


def _text(value):
    """A value as the HTML index shows it (escaped)."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    return html.escape(str(value), quote=True)


def _table(rows, columns):
    head = "".join(f"<th>{_text(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pairs(mapping):
    rows = [
        (_text(key), f"<code>{_text(value)}</code>") for key, value in mapping.items()
    ]
    return _table(rows, ("name", "value"))


def _accounts_html(entry):
    accounts = entry.get("accounts") or []
    kind = entry.get("account_kind") or "account"
    if not accounts:
        return f"<p>No {_text(kind)}.</p>"
    columns = []
    for account in accounts:
        columns += [key for key in account if key not in columns]
    rows = [
        [f"<code>{_text(account.get(key, ''))}</code>" for key in columns]
        for account in accounts
    ]
    return _table(rows, columns)


def _endpoints_html(entry):
    base = entry["base_url"]
    rows = []
    for endpoint in entry["control_endpoints"]:
        path = _text(endpoint["path"])
        if endpoint["method"] == "GET" and "{" not in endpoint["path"]:
            path = f'<a href="{_text(base + endpoint["path"])}">{path}</a>'
        rows.append(
            (
                f"<code>{_text(endpoint['method'])}</code>",
                f"<code>{path}</code>",
                _text(endpoint["description"]),
            )
        )
    return _table(rows, ("method", "path", "what it does"))


def _emulator_html(entry):
    base = _text(entry["base_url"])
    parts = [
        f'<section id="{_text(entry["name"])}">',
        f"<h2>{_text(entry['title'])} <small>({_text(entry['name'])})</small></h2>",
        f'<p>Base URL: <a href="{base}/"><code>{base}</code></a></p>',
    ]
    if entry.get("authentication"):
        parts.append(f"<p>{_text(entry['authentication'])}</p>")
    if entry.get("credentials"):
        parts += ["<h3>Credentials</h3>", _pairs(entry["credentials"])]
    kind = entry.get("account_kind") or "account"
    parts += [f"<h3>{_text(kind.capitalize())}s</h3>", _accounts_html(entry)]
    if entry.get("settings"):
        parts += ["<h3>Settings</h3>", _pairs(entry["settings"])]
    parts += ["<h3>Control endpoints</h3>", _endpoints_html(entry)]
    parts.append("<h3>Active faults</h3>")
    if entry["faults"]:
        parts.append(_pairs(entry["faults"]))
    else:
        parts.append(
            "<p>None: every fault switch is off (<code>POST /_sandbox/faults</code> "
            "sets them).</p>"
        )
    parts.append("</section>")
    return "\n".join(parts)


_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1em}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
    "th{background:#f3f3f3}small{color:#666;font-weight:normal}"
    "section{border-top:2px solid #ddd;margin-top:1.5em}"
)


def render_index(data):
    """The index page (HTML) of ``Emulator.index_data``; every value is
    escaped."""
    rows = [
        (
            f'<a href="#{_text(entry["name"])}">{_text(entry["name"])}</a>',
            f'<a href="{_text(entry["base_url"])}/"><code>'
            f"{_text(entry['base_url'])}</code></a>",
            _text(len(entry.get("accounts") or [])),
        )
        for entry in data["emulators"]
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>mphub sandbox</title>",
            f"<style>{_STYLE}</style></head><body>",
            "<h1>mphub sandbox</h1>",
            f"<p>Local emulators of the marketplace APIs, seed "
            f"<code>{_text(data['seed'])}</code>; this page is served by the "
            f"<code>{_text(data['answered_by'])}</code> emulator. The same data "
            "as JSON: this URL with <code>Accept: application/json</code>.</p>",
            _table(rows, ("emulator", "base URL", "accounts")),
            *(_emulator_html(entry) for entry in data["emulators"]),
            "</body></html>",
            "",
        ]
    )
