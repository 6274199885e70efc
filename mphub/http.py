"""The single HTTP request path of the core's clients (REST, SOAP, XML).

Every call has an explicit timeout, a configurable base URL (so the sandbox
can be targeted) and one error mapping to the core's exceptions. Secrets
(API keys, tokens) never reach the log: headers are not logged and any secret
value found in a logged URL or message is masked.

Which answers are errors is the protocol's to say: ``HttpTransport`` takes a
``classifier``, a callable ``classifier(response) -> Verdict`` (``Verdict``:
``kind`` among ``OK``, ``TRANSIENT``, ``THROTTLED``, ``AUTH``, ``NOT_FOUND``,
``REMOTE``, with the remote's ``message`` and ``code``); the transport turns
a verdict into the core's exception, masked, with ``Retry-After`` read.

- ``status_classifier(error_parser)``, the default: by HTTP status (2xx ok,
  429 throttled, 500/502/503/504 transient, 401/403 auth, 404 not found,
  anything else a business error), the message and code read from a JSON
  error body by ``error_parser``.
- ``soap_classifier(auth_codes, transient_codes)``: a SOAP Fault (1.1 or 1.2)
  answered with status 500 or 400 is a business error (``RemoteError`` with
  the fault's code and string), not a transient one, unless its code is one
  of ``auth_codes`` (``AuthError``) or ``transient_codes``; any other answer
  (e.g. a front end's 503 HTML page) is read by status.
- ``xml_error_classifier(find_error, auth_codes)``: an XML error document
  answered with a 2xx status is an error (by default a root whose ``status``
  attribute is ``ERROR`` or ``FATAL``, with its first ``error`` element's
  text and ``code``); non-2xx answers are read by status.

Bodies other than JSON: ``request`` sends ``data`` as given and returns the
raw ``requests.Response``; ``xml`` sends an XML body (an ``Element``, bytes or
text) and returns the parsed root element. ``parse_xml`` refuses document
type declarations (no entity expansion, no external fetch).
"""

import contextlib
import email.utils
import http.client
import logging
import socket
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import NamedTuple

import requests
import urllib3

from . import __version__
from .errors import (
    AuthError,
    ConfigError,
    MphubError,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30  # seconds
# a whole answer must arrive within this many times the per-read timeout
DEADLINE_FACTOR = 4
MAX_BODY_BYTES = 64 * 1024 * 1024  # larger answers are refused
CHUNK_SIZE = 64 * 1024
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
MASK = "***"
# the longest delay a Retry-After header may ask for, in seconds
MAX_RETRY_AFTER = 3600
# errors raised before anything is sent: the configuration is at fault
# (a credential or URL that cannot go into a request), asking again is no cure
REQUEST_BUILD_ERRORS = (
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.URLRequired,
    requests.exceptions.InvalidJSONError,
    UnicodeError,
)


def clean_secret(value):
    """A credential as it must be used: surrounding whitespace (a pasted
    trailing newline or space) removed, ``""`` when unset."""
    if value is None:
        return ""
    return str(value).strip()


def mask_secrets(text, secrets):
    """Replace every secret value found in ``text`` by ``***``.

    A secret is also masked in its stripped form and as ``repr`` shows it
    (exception texts quote values with their newlines escaped).
    """
    text = str(text)
    variants = set()
    for secret in secrets:
        if not secret:
            continue
        secret = str(secret)
        for variant in (secret, secret.strip(), repr(secret)[1:-1]):
            if len(variant) >= 4:
                variants.add(variant)
    # longest first: a secret containing another is masked whole
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, MASK)
    return text


def parse_retry_after(value, now=None, maximum=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an
    HTTP date), at most ``maximum`` (``MAX_RETRY_AFTER``): a date in year
    9999 must not park a job for centuries. None when absent or unreadable
    (negative, fractional, NaN, garbage)."""
    maximum = MAX_RETRY_AFTER if maximum is None else maximum
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 100:
        return None
    if value.isascii() and value.isdigit():
        return min(int(value), maximum)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, as RFC 5322 says
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    try:
        seconds = (when - now).total_seconds()
    except (OverflowError, TypeError):
        return None
    return min(maximum, max(0, int(seconds) + 1))


# ----------------------------------------------------------------------
# XML
# ----------------------------------------------------------------------
class _TreeBuilder(ET.TreeBuilder):
    """ElementTree's tree builder, refusing document type declarations:
    neither SOAP nor the marketplaces' XML APIs use one, and refusing it
    rules out entity expansion."""

    def doctype(self, name, pubid, system):
        raise ValueError("a document type declaration is not accepted")


def parse_xml(data):
    """The root ``Element`` of an XML document (bytes or text); raises
    ``ValueError`` when it is not well-formed or declares a document
    type."""
    if isinstance(data, str):
        data = data.encode()
    parser = ET.XMLParser(target=_TreeBuilder())
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError as err:
        raise ValueError(f"not well-formed XML: {err}") from None


def local_name(tag):
    """``tag`` without its namespace: ``{ns}Fault`` or ``s:Fault`` ->
    ``Fault``."""
    return str(tag).rpartition("}")[2].rpartition(":")[2]


def _child(element, name):
    """The first child of ``element`` named ``name`` (any namespace)."""
    if element is None:
        return None
    return next((child for child in element if local_name(child.tag) == name), None)


def response_xml(response):
    """The root element of ``response``'s body, parsed once (kept on the
    response); ``ValueError`` when it is not XML."""
    cached = response.__dict__.get("_mphub_xml")
    if cached is None:
        cached = response.__dict__["_mphub_xml"] = parse_xml(response.content)
    return cached


def _looks_like_xml(response):
    kind = (response.headers.get("Content-Type") or "").lower()
    return "xml" in kind or response.content.lstrip()[:1] == b"<"


# ----------------------------------------------------------------------
# classifiers: which answers are errors, and of which kind
# ----------------------------------------------------------------------
OK = "ok"
TRANSIENT = "transient"
THROTTLED = "throttled"
AUTH = "auth"
NOT_FOUND = "not_found"
REMOTE = "remote"
# SOAP's HTTP bindings answer faults with these (1.1: 500; 1.2: 400 for a
# Sender fault, 500 for the others)
FAULT_STATUSES = frozenset({400, 500})
SOAP_ENVELOPES = frozenset(
    {
        "http://schemas.xmlsoap.org/soap/envelope/",  # SOAP 1.1
        "http://www.w3.org/2003/05/soap-envelope",  # SOAP 1.2
    }
)


class Verdict(NamedTuple):
    """A classifier's reading of an answer: ``kind`` (``OK``, ``TRANSIENT``,
    ``THROTTLED``, ``AUTH``, ``NOT_FOUND`` or ``REMOTE``) and, for an error,
    the remote's message and symbolic code."""

    kind: str
    message: str = ""
    code: str | None = None


def status_classifier(error_parser=None):
    """The verdict by HTTP status alone (the REST APIs' rule); the message
    and code of an error come from ``error_parser(response)`` (default
    ``default_error_parser``)."""
    parser = error_parser or default_error_parser

    def classify(response):
        status = response.status_code
        if 200 <= status < 300:
            return Verdict(OK)
        message, code = parser(response)
        if status == 429:
            kind = THROTTLED
        elif status in TRANSIENT_STATUSES:
            kind = TRANSIENT
        elif status in (401, 403):
            kind = AUTH
        elif status == 404:
            kind = NOT_FOUND
        else:
            kind = REMOTE
        return Verdict(kind, message, code)

    return classify


def read_soap_fault(response):
    """``(code, reason)`` of the SOAP Fault in ``response``'s body (1.1:
    ``faultcode``/``faultstring``; 1.2: the most specific ``Code`` value and
    the first ``Reason`` text), None when the body is not a Fault."""
    if not _looks_like_xml(response):
        return None
    try:
        envelope = response_xml(response)
    except ValueError:
        return None
    namespace = envelope.tag[1:].partition("}")[0] if envelope.tag[:1] == "{" else ""
    if local_name(envelope.tag) != "Envelope" or namespace not in SOAP_ENVELOPES:
        return None
    fault = _child(_child(envelope, "Body"), "Fault")
    if fault is None:
        return None
    code, reason = _child(fault, "faultcode"), _child(fault, "faultstring")
    if code is None and reason is None:  # SOAP 1.2
        level = _child(fault, "Code")
        while level is not None:  # Code/Value, Code/Subcode/Value...
            value = _child(level, "Value")
            code = value if value is not None else code
            level = _child(level, "Subcode")
        reason = _child(_child(fault, "Reason"), "Text")
    return tuple(
        (element.text or "").strip() if element is not None else ""
        for element in (code, reason)
    )


def _kind_of_code(code, auth_codes, transient_codes, default=REMOTE):
    name = local_name(code or "")
    if name in auth_codes:
        return AUTH
    if name in transient_codes:
        return TRANSIENT
    return default


def soap_classifier(auth_codes=(), transient_codes=(), fallback=None):
    """SOAP's rule: a Fault answered with status 500 (or 400, SOAP 1.2's
    Sender faults) is a business error (``REMOTE``, code and reason of the
    fault), except a fault whose code's local part (``s:Client`` ->
    ``Client``) is in ``auth_codes`` (``AUTH``) or ``transient_codes``
    (``TRANSIENT``). Every other answer, a front end's 503 page or a 429
    included, is read by ``fallback`` (``status_classifier()``)."""
    fallback = fallback or status_classifier()
    auth_codes, transient_codes = frozenset(auth_codes), frozenset(transient_codes)

    def classify(response):
        if response.status_code in FAULT_STATUSES:
            fault = read_soap_fault(response)
            if fault is not None:
                code, reason = fault
                kind = _kind_of_code(code, auth_codes, transient_codes)
                return Verdict(kind, reason or code, code or None)
        return fallback(response)

    return classify


def status_attribute_error(root):
    """``(message, code)`` of an XML answer whose root says ``status="ERROR"``
    or ``"FATAL"`` (Fnac's convention): its first ``error`` element's text and
    ``code`` attribute; None for any other answer."""
    status = (root.get("status") or "").strip().upper()
    if status not in ("ERROR", "FATAL"):
        return None
    error = next(
        (element for element in root.iter() if local_name(element.tag) == "error"),
        None,
    )
    if error is None:
        return f"status {status}", None
    return (error.text or "").strip() or f"status {status}", error.get("code")


def xml_error_classifier(find_error=None, auth_codes=(), fallback=None):
    """XML over HTTP's rule: a 2xx answer whose XML body
    ``find_error(root)`` (default ``status_attribute_error``) reads as an
    error, ``(message, code)``, is a business error (``AUTH`` when the code is
    in ``auth_codes``); a 2xx body that is not XML is left to the reader.
    Other statuses are read by ``fallback`` (``status_classifier()``)."""
    find_error = find_error or status_attribute_error
    fallback = fallback or status_classifier()
    auth_codes = frozenset(auth_codes)

    def classify(response):
        if not 200 <= response.status_code < 300 or not response.content:
            return fallback(response)
        try:
            error = find_error(response_xml(response))
        except ValueError:
            return Verdict(OK)
        if error is None:
            return Verdict(OK)
        message, code = error
        return Verdict(_kind_of_code(code, auth_codes, ()), message, code)

    return classify


class HttpTransport:
    """A requests session bound to one base URL, with the error mapping.

    ``timeout`` bounds each socket read; ``deadline`` (by default
    ``DEADLINE_FACTOR`` times ``timeout``) bounds the reading of a whole
    answer, so that a server trickling bytes cannot hold a worker forever;
    ``max_bytes`` bounds its size. ``classifier`` (see the module's
    docstring; default ``status_classifier(error_parser)``) says which
    answers are errors.
    """

    def __init__(
        self,
        base_url,
        *,
        headers=None,
        timeout=DEFAULT_TIMEOUT,
        deadline=None,
        max_bytes=MAX_BODY_BYTES,
        secrets=(),
        error_parser=None,
        classifier=None,
    ):
        base_url = (base_url or "").strip()
        if not base_url:
            raise ConfigError("The endpoint URL is not set.")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"The endpoint URL {base_url!r} is not an http(s) URL.")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout if timeout and timeout > 0 else DEFAULT_TIMEOUT
        self.deadline = (
            deadline if deadline and deadline > 0 else self.timeout * DEADLINE_FACTOR
        )
        self.max_bytes = max_bytes
        self.secrets = tuple(s for s in secrets if s)
        self.error_parser = error_parser or default_error_parser
        self.classifier = classifier or status_classifier(self.error_parser)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"mphub/{__version__}"
        if headers:
            self.session.headers.update(headers)

    def close(self):
        self.session.close()

    def request(
        self,
        method,
        path,
        *,
        operation=None,
        params=None,
        json=None,
        data=None,
        files=None,
        headers=None,
        classifier=None,
    ):
        """Send one request and return the ``requests.Response`` of an answer
        the classifier (``classifier``, else the transport's) finds ``OK``.

        Maps failures to the core's exceptions: timeouts, connection errors
        and broken answers to ``TransientError``, and by the classifier's
        verdict (by default: 5xx to ``TransientError``, 429 to
        ``ThrottledError``, 401/403 to ``AuthError``, 404 to ``NotFound``,
        other 4xx to ``RemoteError``); a request that cannot be built (a
        credential with a newline, a bad URL) to ``ConfigError``. Every
        message is masked, and never chained to the library's exception,
        whose text may hold a request header (the traceback a job stores
        would show it).
        """
        url = self.base_url + path
        operation = operation or f"{method} {path}"
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=headers,
                timeout=self.timeout,
                stream=True,
            )
            try:
                self._read_body(response, started, operation)
            finally:
                response.close()
        except MphubError:
            raise
        except requests.Timeout:
            raise TransientError(
                f"{operation}: no answer within {self.timeout} s"
            ) from None
        except REQUEST_BUILD_ERRORS as err:
            raise ConfigError(
                self._mask(
                    f"{operation}: the request cannot be sent, check the account's "
                    f"settings ({type(err).__name__}: {err})"
                )
            ) from None
        except requests.ConnectionError as err:
            raise TransientError(
                f"{operation}: connection failed ({self._mask(type(err).__name__)})"
            ) from None
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
        ) as err:
            # TooManyRedirects, ChunkedEncodingError, ContentDecodingError...
            raise TransientError(
                self._mask(f"{operation}: broken answer ({type(err).__name__}: {err})")
            ) from None
        elapsed = (time.monotonic() - started) * 1000
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug(
                "%s %s -> %s in %.0f ms",
                method,
                self._mask(response.url),
                response.status_code,
                elapsed,
            )
        verdict = (classifier or self.classifier)(response)
        if verdict.kind == OK:
            return response
        raise self._error(verdict, response, operation)

    def _error(self, verdict, response, operation):
        """The core's exception for a classifier's error verdict."""
        status = response.status_code
        message = self._mask(f"{operation}: HTTP {status} {verdict.message}".strip())
        if verdict.kind in (THROTTLED, TRANSIENT):
            error = ThrottledError if verdict.kind == THROTTLED else TransientError
            return error(
                message,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if verdict.kind == AUTH:
            return AuthError(message, status=status)
        if verdict.kind == NOT_FOUND:
            return NotFound(message)
        return RemoteError(
            message,
            status=status,
            code=verdict.code,
            body=self._mask(response.text[:2000]),
        )

    def _read_body(self, response, started, operation):
        """Read the streamed body of ``response`` within the deadline and the
        size limit, then keep it as the response's content.

        A read waits at most ``timeout`` for each piece, but a server can
        send a byte at a time: a watchdog shuts the socket down when the
        deadline passes, which ends a read waiting on it.
        """
        expired = threading.Event()
        connection = getattr(response.raw, "connection", None)
        sock = getattr(connection, "sock", None)

        def expire():
            expired.set()
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        def too_slow():
            return TransientError(
                f"{operation}: the answer did not arrive within {self.deadline} s"
            )

        remaining = self.deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise too_slow()
        watchdog = threading.Timer(remaining, expire)
        watchdog.daemon = True
        watchdog.start()
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                size += len(chunk)
                if size > self.max_bytes:
                    raise TransientError(
                        f"{operation}: the answer exceeds {self.max_bytes} bytes"
                    )
                if expired.is_set() or time.monotonic() - started > self.deadline:
                    raise too_slow()
                chunks.append(chunk)
        except MphubError:
            raise
        except Exception:
            if expired.is_set():
                raise too_slow() from None
            raise
        finally:
            watchdog.cancel()
        # what ``Response.content`` would have stored had it read the body
        response._content = b"".join(chunks)
        response._content_consumed = True

    def json(self, method, path, **kwargs):
        """``request`` then decode the JSON body.

        A body that is not JSON (a truncated answer, a proxy's HTML page) is a
        transient failure: asking again is the cure.
        """
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except (ValueError, RecursionError):
            operation = kwargs.get("operation") or f"{method} {path}"
            raise TransientError(
                f"{operation}: the answer is not valid JSON ({len(response.content)}"
                " bytes)"
            ) from None

    def xml(self, method, path, *, body=None, headers=None, **kwargs):
        """``request`` with an XML body (an ``Element``, bytes or text; sent
        as ``text/xml`` unless ``headers`` give a ``Content-Type``), then the
        root element of the answer.

        An answer that is not well-formed XML (a truncated body, a proxy's
        page) is a transient failure, as for ``json``.
        """
        if body is not None:
            if isinstance(body, ET.Element):
                body = ET.tostring(body, encoding="utf-8", xml_declaration=True)
            kwargs["data"] = body.encode() if isinstance(body, str) else body
            headers = dict(headers or {})
            if not any(key.lower() == "content-type" for key in headers):
                headers["Content-Type"] = "text/xml; charset=utf-8"
        response = self.request(method, path, headers=headers, **kwargs)
        try:
            return response_xml(response)
        except (ValueError, RecursionError):
            operation = kwargs.get("operation") or f"{method} {path}"
            raise TransientError(
                f"{operation}: the answer is not well-formed XML "
                f"({len(response.content)} bytes)"
            ) from None

    def _mask(self, text):
        return mask_secrets(text, self.secrets)


def default_error_parser(response):
    """Return ``(message, code)`` from an error response body.

    Understands ``{"message": ..., "errors": [{"code": ..., "message": ...}]}``
    and ``{"error": ..., "error_description": ...}``; falls back to the first
    characters of the body.
    """
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip(), None
    if not isinstance(body, dict):
        return str(body)[:200], None
    code = None
    messages = []
    errors = body.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict):
                code = code or error.get("code")
                if error.get("message"):
                    messages.append(str(error["message"]))
    for key in ("message", "error_description", "error"):
        if isinstance(body.get(key), str) and body[key] not in messages:
            messages.insert(0, body[key])
            break
    code = code or body.get("code")
    return " ".join(messages)[:500], code
