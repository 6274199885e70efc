"""Stored orders become sale orders, safely.

``OrderProcessor(backend).run(bindings)`` processes the bindings of one
account (one processing job). Each order is handled in its own savepoint,
its binding row locked ``FOR UPDATE NOWAIT`` (one worker at a time per
order): mapped again, skipped when it needs no sale order, applied to its
sale order when it has one already, else prepared (``SaleOrderBuilder``).
The prepared sale orders of the batch are then created together. What an
order fails with becomes its binding's error through one taxonomy
(``order_errors`` and ``mp.order.binding._fail_processing``); orders
another worker holds are "busy" and queued again 10 s later, in a new
transaction that sees what the other worker committed, while the rest of
the batch goes on.
"""

from mphub import errors as mp_errors

from odoo import Command, fields
from odoo.tools import SQL

from .order_activities import close_error_activity
from .order_errors import TRANSIENT_DB_ERRORS, Busy, OrderError
from .order_store import OrderStore
from .sale_order_builder import SaleOrderBuilder


class OrderProcessor:
    """Processes the stored orders of one account; caches shared by the
    orders of one job live here (and in its store and builder)."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.store = OrderStore(backend)
        self.builder = SaleOrderBuilder(backend, self.store)
        self.import_states = set(backend.import_state_ids.mapped("code"))
        self.prepared = []  # PreparedOrder of the orders to create

    def run(self, bindings, parent_run=None, force=False):
        """Process ``bindings`` (of this account): each order is checked and
        prepared in its own savepoint, then the sale orders of the batch are
        created and confirmed by batched ORM calls. Returns the counts."""
        run = (
            self.env["mp.sync.run"]
            .sudo()
            .create(
                {
                    "backend_id": self.backend.id,
                    "operation": "process_orders",
                    "parent_id": parent_run.id if parent_run else False,
                }
            )
        )
        outcomes = {}
        for binding in bindings:
            outcomes[binding] = self._process_safely(binding, run, force)
        if self.prepared:
            outcomes.update(self.builder.create_orders(self.prepared, run))
        counts = dict.fromkeys(("done", "skipped", "error", "busy", "unchanged"), 0)
        busy = bindings.browse()
        for binding, outcome in outcomes.items():
            counts[outcome] += 1
            if outcome == "busy":
                busy |= binding
        run.write(
            {
                "count_fetched": len(bindings),
                "count_done": counts["done"],
                "count_skipped": counts["skipped"],
                "count_error": counts["error"],
                "count_unchanged": counts["unchanged"],
            }
        )
        run._close("done")
        if busy:
            self._requeue(busy, parent_run)
        return counts

    def _requeue(self, busy, parent_run):
        """Someone else works on these orders now: look again shortly, in a
        new transaction that sees what the other worker committed."""
        env, backend = self.env, self.backend
        self.backend._enqueue(
            busy,
            "_job_process",
            parent_run,
            run=parent_run,
            preset="process_orders",
            eta=10,
            description=env._(
                "%(backend)s: process postponed order %(order)s",
                backend=backend.name,
                order=busy.external_id,
            )
            if len(busy) == 1
            else env._(
                "%(backend)s: process %(count)s postponed orders",
                backend=backend.name,
                count=len(busy),
            ),
        )

    # -- one order ----------------------------------------------------------------
    def checkpoint(self):
        """What the orders processed so far added to the batch.

        Records created for an order (its buyer, its addresses) exist only in
        the order's savepoint: nothing that refers to them may outlive a
        rollback of that savepoint. Partners are therefore never cached
        (they are searched for in the database, which the rollback undid),
        and ``restore`` takes back what a rolled back order added: its
        prepared sale order and the stock its acceptance claims.
        """
        return len(self.prepared), dict(self.builder.claimed)

    def restore(self, checkpoint):
        count, claimed = checkpoint
        del self.prepared[count:]
        self.builder.claimed = claimed

    def _process_safely(self, binding, run, force=False):
        """Process one binding; never let it fail the batch.

        Returns "done", "skipped", "error", "busy", "unchanged", or
        "prepared" when its sale order waits in ``prepared``.
        """
        # what the order adds to the batch belongs to its savepoint: should
        # the savepoint be rolled back, even by the flush of its release, it
        # is taken back too, or a sale order would be created on partners
        # that no longer exist
        checkpoint = self.checkpoint()
        try:
            with self.env.cr.savepoint():
                self._lock(binding)
                if binding.state != "new" and not force:
                    return "unchanged"
                if (
                    binding.state == "done"
                    and binding.processed_hash == binding.payload_hash
                ):
                    return "unchanged"
                outcome = binding._process(self)
            return outcome
        except (Busy, *TRANSIENT_DB_ERRORS):
            self.restore(checkpoint)
            return "busy"
        except Exception as err:  # noqa: BLE001 (each order is isolated)
            self.restore(checkpoint)
            return binding._fail_processing(err, run)

    @staticmethod
    def _lock(binding):
        """Row lock: one worker at a time processes a given order."""
        # failing here is expected under concurrency: not worth an ERROR log
        binding.env.cr.execute(
            SQL(
                "SELECT id FROM mp_order_binding WHERE id = %s FOR UPDATE NOWAIT",
                binding.id,
            ),
            log_exceptions=False,
        )
        binding.invalidate_recordset()

    def process(self, binding):
        """Map the stored payload again and act on it: skip, update the sale
        order, or prepare one. Returns the outcome."""
        raw = binding._raw()
        try:
            order = self.backend._map_order(raw)
        except mp_errors.InvalidPayload as err:
            skipped = None if binding.sale_order_id else self.store.skip_vals(raw, err)
            if not skipped:
                raise OrderError(
                    "data", self.env._("Invalid order data: %s", err)
                ) from err
            skipped["attempt_count"] = binding.attempt_count + 1
            binding.with_context(tracking_disable=True).write(skipped)
            return "skipped"
        vals = self.store.summary_vals(order)
        vals.update(
            {
                "processed_hash": binding.payload_hash,
                "date_processed": fields.Datetime.now(),
                "attempt_count": binding.attempt_count + 1,
                "error_kind": False,
                "error_message": False,
                "error_details": False,
                "missing_sku_ids": [Command.clear()],
            }
        )
        if binding.sale_order_id:
            self.builder.update(binding, order, vals)
            vals["state"] = "done"
        else:
            reason = self.store.skip_reason(order, self.import_states)
            if not reason:
                self.prepared.append(binding._prepare_sale_order(order, self, vals))
                return "prepared"
            vals.update(state="skipped", error_message=reason)
        binding.with_context(tracking_disable=True).write(vals)
        close_error_activity(
            binding,
            vals["error_message"]
            if vals["state"] == "skipped"
            else self.env._("The order is up to date."),
        )
        return "skipped" if vals["state"] == "skipped" else "done"
