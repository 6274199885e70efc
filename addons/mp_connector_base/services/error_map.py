"""The one place where the core's errors (``mphub.errors``) become Odoo
outcomes.

Transient failures (429, 5xx, timeouts) become a ``RetryableJobError`` with
the delay the code computes — the only retry delay of such a job: the
marketplace's Retry-After, else the account's ``retry_base_delay`` doubled at
each attempt (``services/jobs.py``) — and leave a trace in the journal;
authentication, configuration and refused requests become a ``UserError``
(a failed job when raised in a job).
"""

import contextlib

from mphub import errors as mp_errors
from mphub.retry import backoff_seconds

from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError


@contextlib.contextmanager
def map_errors(backend, run=None, what=None, interactive=False):
    """Map the core errors raised in the block for ``backend``; ``what``
    names the call in the journal; ``interactive``: a button, where a
    transient failure is a message to try again, not a retry."""
    env = backend.env
    what = what or env._("Marketplace call")
    try:
        yield
    except mp_errors.TransientError as err:
        if interactive:
            raise UserError(
                env._(
                    "%(backend)s: the marketplace did not answer properly, try "
                    "again later (%(error)s).",
                    backend=backend.name,
                    error=err,
                )
            ) from err
        raise _retry(backend, err, run, what) from err
    except mp_errors.AuthError as err:
        raise UserError(
            env._(
                "%(backend)s: the marketplace refused the credentials "
                "(%(error)s). %(hint)s",
                backend=backend.name,
                error=err,
                hint=backend._credentials_hint(),
            )
        ) from err
    except mp_errors.MphubError as err:  # configuration, refused, payload
        raise UserError(
            env._("%(backend)s: %(error)s", backend=backend.name, error=err)
        ) from err


def _retry(backend, err, run, what):
    """The ``RetryableJobError`` of a transient ``err``, logged."""
    seconds = log_retry(backend, err, what, backend._current_job_attempt(), run=run)
    return RetryableJobError(str(err), seconds=seconds)


def log_retry(backend, err, what, attempt, run=None, binding=None, detached=True):
    """Journal the retry ``attempt`` of ``what`` after the transient ``err``;
    returns its delay in seconds: the marketplace's Retry-After, else the
    account's retry delay doubled at each attempt. ``detached``: the event
    survives the rollback of the current transaction."""
    env = backend.env
    seconds = backoff_seconds(
        attempt, err.retry_after, base=max(1, backend.retry_base_delay or 10)
    )
    kind = (
        env._("throttled")
        if isinstance(err, mp_errors.ThrottledError)
        else env._("transient failure")
    )
    backend._log_event(
        "warning",
        env._(
            "%(what)s: %(kind)s (%(error)s); retry %(attempt)s in %(seconds)s s.",
            what=what,
            kind=kind,
            error=err,
            attempt=attempt,
            seconds=seconds,
        ),
        run=run,
        binding=binding,
        event_type="retry",
        detached=detached,
    )
    return seconds
