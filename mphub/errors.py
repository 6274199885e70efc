"""Error taxonomy of the core.

The core cannot import Odoo, so it raises these and the addons map them in one
place (``mp.backend._run_client``): transient errors become
``RetryableJobError``, data errors put the record in error with its reason,
authentication and configuration errors become user errors or failed jobs.
"""


class MphubError(Exception):
    """Base class of every error raised by the core."""


class TransientError(MphubError):
    """A failure that may succeed later: timeout, connection error, HTTP 5xx.

    ``retry_after`` is the delay in seconds the remote asked for, if any.
    """

    def __init__(self, message, *, status=None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ThrottledError(TransientError):
    """HTTP 429: the remote rate limit was hit."""


class AuthError(MphubError):
    """Credentials missing, wrong or expired (HTTP 401/403)."""

    def __init__(self, message, *, status=None):
        super().__init__(message)
        self.status = status


class ConfigError(MphubError):
    """The connector is not configured well enough to call the remote."""


class NotFound(MphubError):
    """The remote does not know the requested object (HTTP 404)."""


class RemoteError(MphubError):
    """The remote refused the request for a business reason (HTTP 4xx).

    ``code`` carries the remote's symbolic error code when it gives one
    (for example Mirakl's ``ORDER_INVALID_STATE``).
    """

    def __init__(self, message, *, status=None, code=None, body=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.body = body


class InvalidPayload(MphubError):
    """A record received from the remote cannot be mapped.

    ``reasons`` lists every problem found, each naming the field at fault, so
    that staff can see at once why the record was kept aside.
    """

    def __init__(self, reasons):
        if isinstance(reasons, str):
            reasons = [reasons]
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))
