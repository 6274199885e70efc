"""The single HTTP request path of the core's REST clients.

Every call has an explicit timeout, a configurable base URL (so the sandbox
can be targeted) and one error mapping to the core's exceptions. Secrets
(API keys, tokens) never reach the log: headers are not logged and any secret
value found in a logged URL or message is masked.
"""

import email.utils
import logging
import time
from datetime import datetime, timezone

import requests

from . import __version__
from .errors import (
    AuthError,
    ConfigError,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30  # seconds
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
MASK = "***"


def mask_secrets(text, secrets):
    """Replace every secret value found in ``text`` by ``***``."""
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0, int((when - now).total_seconds()) + 1)


class HttpTransport:
    """A requests session bound to one base URL, with the error mapping."""

    def __init__(
        self,
        base_url,
        *,
        headers=None,
        timeout=DEFAULT_TIMEOUT,
        secrets=(),
        error_parser=None,
    ):
        if not base_url:
            raise ConfigError("The endpoint URL is not set.")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"The endpoint URL {base_url!r} is not an http(s) URL.")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
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

        Maps failures to the core's exceptions: timeouts, connection errors
        and 5xx to ``TransientError``, 429 to ``ThrottledError``, 401/403 to
        ``AuthError``, 404 to ``NotFound`` and other 4xx to ``RemoteError``.
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
            )
        except requests.Timeout as err:
            raise TransientError(
                f"{operation}: no answer within {self.timeout} s"
            ) from err
        except requests.ConnectionError as err:
            raise TransientError(
                f"{operation}: connection failed ({self._mask(type(err).__name__)})"
            ) from err
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

    def json(self, method, path, **kwargs):
        """``request`` then decode the JSON body.

        A body that is not JSON (a truncated answer, a proxy's HTML page) is a
        transient failure: asking again is the cure.
        """
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as err:
            operation = kwargs.get("operation") or f"{method} {path}"
            raise TransientError(
                f"{operation}: the answer is not valid JSON ({len(response.content)}"
                " bytes)"
            ) from err

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
