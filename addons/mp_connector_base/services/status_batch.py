"""Status exports sent several orders per call, for clients whose
``status_batch_size`` is above 1 (Fnac's orders_update takes 25 orders).

Queuing an acceptance or a shipment keeps what to send on the binding
(``accept_decisions``, ``ship_picking_id``: ``services/status_export.py``)
and queues one job per account and action, a few seconds later so that
the orders an import page processes meanwhile go with it. The job
(``mp.backend._job_export_status_batch``):

- takes the oldest bindings waiting for that action, at most
  ``status_batch_size``, locked ``FOR UPDATE SKIP LOCKED``: a second worker
  takes the next ones, never the same, and a worker whose snapshot missed
  another's outcome fails on the row (a serialization error, which
  queue_job retries) instead of sending it again;
- makes ONE client call (``accept_orders`` / ``ship_orders``) for them;
- applies each order's outcome with the per-order code of
  ``StatusExport``: success or "already in that state" (``Outcome``), a
  refusal kept on the binding with its retry button, a transient error of
  that order alone sent again by a later job (after the marketplace's
  ``Retry-After``, else the account's backoff; given up and kept as a
  refusal after the preset's number of attempts);
- queues itself again while orders wait (at once, or when the first one
  waiting for a retry is due).

One call per job: a transient failure of the whole call is a job retry
(``mp.backend._map_errors``) with nothing written, and a refusal of the
whole call (a document the marketplace rejects) is each order's refusal. A
job merged into one already pending is never lost: the queuing
transaction holds the account's batch lock shared until it commits, and
the job, once started, waits until no such transaction is in flight before
it reads what waits (``wait_for_queuers``); a transaction queuing after
that sees the job started and queues another. A safety-net cron still
queues the job of accounts with exports waiting.
"""

import time
from datetime import timedelta

from mphub import errors as mp_errors

from odoo import fields
from odoo.tools import SQL

from .error_map import log_retry
from .jobs import PRESETS
from .status_export import (
    BATCH_DELAY,
    BATCH_FIELDS,
    StatusExport,
    batch_lock_key,
    enqueue_batch,
)
from .stored_text import in_company_lang

# how long a batch job waits for the transactions queuing exports to end
QUEUERS_TIMEOUT = 30


class StatusBatch:
    """The batched ``action`` ("accept" or "ship") exports of one account."""

    def __init__(self, backend, action):
        backend.ensure_one()
        self.backend = backend
        self.action = action
        self.env = backend.env
        self.payload, self.retry_at, self.attempts = BATCH_FIELDS[action]

    def run(self):
        """Send one chunk of the exports waiting; the job's result text."""
        if not self.wait_for_queuers():
            enqueue_batch(self.backend, self.action, BATCH_DELAY)
            return self.env._(
                "Orders were still being queued: the next job sends them."
            )
        client = self.backend._get_client()
        bindings = self.take(max(1, client.status_batch_size))
        if not bindings:
            return self.env._("Nothing to send.")
        todo, items = self.prepare(bindings)
        results = self.send(client, items) if items else {}
        counts = {"sent": 0, "refused": 0, "later": 0}
        for external_id, (export, argument, sent) in todo.items():
            result = results.get(external_id)
            counts[self.apply(export, argument, sent, result)] += 1
        self.requeue()
        return self.env._(
            "%(sent)s sent, %(refused)s refused, %(later)s to send again.", **counts
        )

    # -- the chunk ----------------------------------------------------------
    def wait_for_queuers(self, timeout=None):
        """Wait until no transaction that queues this account's exports is
        in flight (each holds the batch lock shared: ``batch_lock_key``),
        so that what they keep on bindings is committed before ``take``
        reads it. The lock is tried, never waited for: a waiting exclusive
        request would make the next queuers wait behind it, with the rows
        they hold. False after ``timeout`` seconds (``QUEUERS_TIMEOUT``)."""
        timeout = QUEUERS_TIMEOUT if timeout is None else timeout
        key = batch_lock_key(self.backend, self.action)
        deadline = time.monotonic() + timeout
        while True:
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            if self.env.cr.fetchone()[0]:
                self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", key)
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def _where(self):
        """The bindings of the account waiting for the action."""
        return SQL(
            "backend_id = %s AND %s = 'pending' AND %s IS NOT NULL",
            self.backend.id,
            SQL.identifier(f"{self.action}_state"),
            SQL.identifier(self.payload),
        )

    def take(self, size):
        """The ``size`` oldest bindings waiting and due, locked for this
        transaction; those another worker holds are skipped."""
        self.env.flush_all()
        retry_at = SQL.identifier(self.retry_at)
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM mp_order_binding
                 WHERE %s AND (%s IS NULL OR %s <= %s)
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                self._where(),
                retry_at,
                retry_at,
                fields.Datetime.now(),
                size,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.env["mp.order.binding"].browse(ids)

    def prepare(self, bindings):
        """``(todo, items)``: external id -> ``(export, argument, sent)`` of
        each binding to send (``argument``: the decisions or the picking),
        and the client's items ``(external_id, decisions or shipment,
        raw)``. A shipment with nothing to send (its tracking number
        missing: kept on the binding) leaves the batch."""
        todo, items = {}, []
        for binding in bindings:
            export = StatusExport(binding)
            if self.action == "accept":
                argument = binding.accept_decisions
                sent = argument
            else:
                argument = binding.ship_picking_id
                sent = export.shipment_to_send(argument)
                if isinstance(sent, str):
                    self.clear(binding)
                    continue
            todo[binding.external_id] = (export, argument, sent)
            items.append((binding.external_id, sent, binding.raw_payload))
        return todo, items

    def send(self, client, items):
        """One call for ``items``: external id -> outcome or the error of
        that order. A transient failure of the call is a job retry."""
        if self.action == "accept":
            verb = client.accept_orders
            what = self.env._("Acceptance of %s orders", len(items))
        else:
            verb = client.ship_orders
            what = self.env._("Shipment of %s orders", len(items))
        with self.backend._map_errors(what=what):
            try:
                return verb(items)
            except (mp_errors.RemoteError, mp_errors.NotFound) as err:
                # the marketplace refused the whole call: each order's refusal
                return {item[0]: err for item in items}

    # -- each order's outcome -------------------------------------------------
    def apply(self, export, argument, sent, result):
        """Apply the outcome of one order; "sent", "refused" or "later"."""
        picking = argument if self.action == "ship" else None
        if result is None:
            result = mp_errors.TransientError(
                self.env._("the marketplace did not answer for this order")
            )
        if isinstance(result, mp_errors.TransientError):
            return self.later(export, result, picking)
        self.clear(export.binding)
        if isinstance(result, mp_errors.MphubError):
            export.failed(self.action, result, picking)
            return "refused"
        if self.action == "accept":
            export.accepted(argument, result)
        else:
            export.shipped(picking, sent, result)
        return "sent"

    def later(self, export, error, picking):
        """A transient error of this order alone: sent again by a later job,
        or given up after the preset's number of attempts."""
        binding = export.binding
        attempt = binding[self.attempts] + 1
        if attempt >= PRESETS["status_export"].max_retries:
            self.clear(binding)
            export.failed(
                self.action,
                self.env._(
                    "%(error)s (still so after %(count)s attempts)",
                    error=error,
                    count=attempt,
                ),
                picking,
            )
            return "refused"
        if self.action == "accept":
            what = self.env._("Acceptance of %s", binding.external_id)
        else:
            what = self.env._("Shipment of %s", binding.external_id)
        seconds = log_retry(
            self.backend, error, what, attempt, binding=binding, detached=False
        )
        binding.write(
            {
                self.retry_at: fields.Datetime.now() + timedelta(seconds=seconds),
                self.attempts: attempt,
            }
        )
        return "later"

    def clear(self, binding):
        binding.write({self.payload: False, self.retry_at: False, self.attempts: 0})

    def requeue(self):
        """Queue the job again while exports wait: at once when some are
        due, else when the first one waiting for a retry is."""
        self.env.flush_all()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                "SELECT min(COALESCE(%s, %s)) FROM mp_order_binding WHERE %s",
                SQL.identifier(self.retry_at),
                now,
                self._where(),
            )
        )
        due = self.env.cr.fetchone()[0]
        if due is not None:
            wait = max(0, int((due - now).total_seconds()) + 1) if due > now else None
            enqueue_batch(self.backend, self.action, wait)


def queue_waiting(env):
    """Safety net (cron): queue the batch job of every account whose
    batched exports wait and are due."""
    now = fields.Datetime.now()
    for action, (payload, retry_at, _attempts) in BATCH_FIELDS.items():
        env.cr.execute(
            SQL(
                """
                SELECT DISTINCT backend_id FROM mp_order_binding
                 WHERE %s = 'pending' AND %s IS NOT NULL
                   AND (%s IS NULL OR %s <= %s)
                """,
                SQL.identifier(f"{action}_state"),
                SQL.identifier(payload),
                SQL.identifier(retry_at),
                SQL.identifier(retry_at),
                now,
            )
        )
        ids = [row[0] for row in env.cr.fetchall()]
        for backend in env["mp.backend"].browse(ids).filtered("active"):
            enqueue_batch(in_company_lang(backend, backend.company_id), action)
