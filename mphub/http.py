"""The single HTTP request path of the core's REST clients.

Every call has an explicit timeout, a configurable base URL (so the sandbox
can be targeted) and one error mapping to the core's exceptions. Secrets
(API keys, tokens) never reach the log: headers are not logged and any secret
value found in a logged URL or message is masked.
"""

import contextlib
import email.utils
import http.client
import logging
import socket
import threading
import time
from datetime import datetime, timezone

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


class HttpTransport:
    """A requests session bound to one base URL, with the error mapping.

    ``timeout`` bounds each socket read; ``deadline`` (by default
    ``DEADLINE_FACTOR`` times ``timeout``) bounds the reading of a whole
    answer, so that a server trickling bytes cannot hold a worker forever;
    ``max_bytes`` bounds its size.
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
    ):
        """Send one request and return the ``requests.Response`` of a 2xx.

        Maps failures to the core's exceptions: timeouts, connection errors,
        broken answers and 5xx to ``TransientError``, 429 to
        ``ThrottledError``, 401/403 to ``AuthError``, 404 to ``NotFound``,
        other 4xx to ``RemoteError``, and a request that cannot be built (a
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
        status = response.status_code
        if 200 <= status < 300:
            return response
        message, code = self.error_parser(response)
        message = self._mask(f"{operation}: HTTP {status} {message}".strip())
        if status == 429:
            raise ThrottledError(
                message,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status in TRANSIENT_STATUSES:
            raise TransientError(
                message,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status in (401, 403):
            raise AuthError(message, status=status)
        if status == 404:
            raise NotFound(message)
        raise RemoteError(
            message, status=status, code=code, body=self._mask(response.text[:2000])
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
