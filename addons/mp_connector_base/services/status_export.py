"""Status out: what Odoo tells the marketplace about an imported order.

- acceptance (Mirakl OR21 and the like): the decision of each line, queued
  when the order is imported (or when staff decide), sent by a job; a
  refusal cancels the sale order;
- shipment: declared with carrier and tracking once the order's last
  delivery is done, or each delivery with its lines and quantities for
  marketplaces that take partial shipments (``_ships_each_delivery``);
- cancellation: an order refused by us or cancelled on the marketplace
  cancels its sale order (``cancel_sale_order``).

"Already in the target state" (the client reads the order again after a
refusal) is success. A business refusal (``RemoteError``, ``NotFound``) is
kept on the binding (``accept_error``/``ship_error``) and shown on the
delivery with a retry button; transient errors are job retries
(``mp.backend._map_errors``). Each export is one job per binding and action
(``identity_exact``), unless the account's client sends several orders per
call (``status_batch_size`` > 1): the export to send is then kept on the
binding and one job of the account sends them together
(``services/status_batch.py``); the outcome of each order is applied by the
same code (``accepted``, ``shipped``, ``failed``).
"""

import dataclasses

from mphub import errors as mp_errors
from mphub.client import Outcome, Shipment

from odoo.addons.queue_job.job import identity_exact

DECISION_ACTIVITY = "mp_connector_base.mail_activity_type_order_decision"
# seconds a batched export waits for the others queued meanwhile (the
# orders of the import page being processed)
BATCH_DELAY = 5
# what a batched export keeps on the binding until it is sent
BATCH_FIELDS = {
    "accept": ("accept_decisions", "accept_retry_at", "accept_attempts"),
    "ship": ("ship_picking_id", "ship_retry_at", "ship_attempts"),
}


# the advisory lock of the batched exports of an account and action: see
# ``batch_lock_key``
BATCH_LOCK_CLASS = 0x6D706862


def batch_lock_key(backend, action):
    """The two int4 keys of the advisory lock that orders the queuing of a
    batched export with the start of the job that sends it.

    A transaction that keeps an export on a binding holds the lock shared
    until it commits, and its queuing may be merged into a job already
    pending; that job, once started, waits until no such transaction is in
    flight (``StatusBatch.wait_for_queuers``) before it reads what waits.
    Without it, a job that started before the transaction committed would
    miss its export, and the transaction would have queued no other. A job
    queued anew needs no lock: it cannot start before its transaction
    commits (a batch job queuing the next one, the safety-net cron)."""
    return BATCH_LOCK_CLASS, backend.id * 2 + (action == "ship")


def enqueue_batch(backend, action, eta=None):
    """Queue the job of ``backend`` that sends its batched ``action``
    ("accept" or "ship") exports waiting, one pending per account and
    action; ``eta``: seconds from now."""
    if action == "accept":
        description = backend.env._("%s: send acceptances", backend.name)
    else:
        description = backend.env._("%s: send shipments", backend.name)
    backend._enqueue(
        backend,
        "_job_export_status_batch",
        action,
        preset="status_export",
        identity_key=identity_exact,
        eta=eta,
        description=description,
    )


def cancel_sale_order(sale_order, note):
    """Cancel ``sale_order`` (unlocking it first), saying why in its
    chatter."""
    if sale_order.state != "cancel":
        if sale_order.locked:
            sale_order.action_unlock()
        sale_order.with_context(disable_cancel_warning=True).action_cancel()
    sale_order.message_post(body=note)


class StatusExport:
    """The status exports of one order binding."""

    def __init__(self, binding):
        binding.ensure_one()
        self.binding = binding
        self.backend = binding.backend_id
        self.env = binding.env

    # -- queue ------------------------------------------------------------------
    def _queue(self, action, method, argument, description):
        """Queue a status export of the order (one pending job per action),
        or keep it on the binding for the account's batch job."""
        if self.batched(action):
            self._queue_batched(action, argument)
            return
        self.binding[f"{action}_state"] = "pending"
        self.backend._enqueue(
            self.binding,
            method,
            argument,
            preset="status_export",
            identity_key=identity_exact,
            description=description,
        )

    def batched(self, action):
        """Whether ``action`` goes with other orders' in one call: the
        client takes several orders per call, and declares shipments once
        per order (a shipment per delivery stays one job each)."""
        if self.backend._get_client().status_batch_size <= 1:
            return False
        return action == "accept" or not self.backend._ships_each_delivery()

    def _queue_batched(self, action, argument):
        """Keep what to send on the binding and queue the account's job,
        one per account and action: it sends every export waiting."""
        payload, retry_at, attempts = BATCH_FIELDS[action]
        # held until the transaction ends: see ``batch_lock_key``
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock_shared(%s, %s)",
            batch_lock_key(self.backend, action),
        )
        self.binding.write(
            {
                f"{action}_state": "pending",
                payload: argument.id if action == "ship" else argument,
                retry_at: False,
                attempts: 0,
            }
        )
        enqueue_batch(self.backend, action, BATCH_DELAY)

    def queue_acceptance(self, decisions):
        values = {"backend": self.backend.name, "order": self.binding.external_id}
        if any(decisions.values()):
            description = self.env._("%(backend)s: accept order %(order)s", **values)
        else:
            description = self.env._("%(backend)s: refuse order %(order)s", **values)
        self._queue("accept", "_job_export_acceptance", decisions, description)

    def queue_shipment(self, picking):
        self._queue(
            "ship",
            "_job_export_shipment",
            picking,
            self.env._(
                "%(backend)s: ship order %(order)s",
                backend=self.backend.name,
                order=self.binding.external_id,
            ),
        )

    def line_ids(self):
        """The marketplace ids of the order's lines."""
        order = self.backend._map_order(self.binding._raw())
        return [line.external_id for line in order.lines]

    def last_decisions(self):
        """The decision last sent (or to send again after an error)."""
        accept = self.binding.accept_state != "refused"
        return dict.fromkeys(self.line_ids(), accept)

    # -- acceptance -------------------------------------------------------------
    def export_acceptance(self, decisions):
        """Send the acceptance decision; returns the job's result text."""
        binding = self.binding
        if binding.accept_state in ("accepted", "refused"):
            return self.env._("Already sent.")
        what = self.env._("Acceptance of %s", binding.external_id)
        outcome, refusal = self._send("accept", what, decisions)
        if refusal:
            return refusal
        return self.accepted(decisions, outcome)

    def accepted(self, decisions, outcome):
        """The marketplace took the decision (``outcome``: an ``Outcome``);
        returns the job's result text."""
        binding = self.binding
        accept = any(decisions.values())
        binding.write(
            {"accept_state": "accepted" if accept else "refused", "accept_error": False}
        )
        message = (
            self.env._("Order accepted on the marketplace.")
            if accept
            else self.env._("Order refused on the marketplace.")
        )
        if outcome == Outcome.ALREADY:
            message = self.env._("%s (it already was)", message)
        sale_order = binding.sale_order_id
        if sale_order and not accept:
            cancel_sale_order(sale_order, message)
        elif sale_order:
            sale_order.message_post(body=message)
        self._log(message)
        return message

    # -- shipment ---------------------------------------------------------------
    def on_delivery_done(self, picking):
        """A delivery of the order left: queue its shipment when the
        marketplace hears of it now (each delivery, or the last one)."""
        binding = self.binding
        if binding.ship_state == "done":
            return
        if self.backend._ships_each_delivery():
            if not picking.mp_shipment_sent:
                self.queue_shipment(picking)
            return
        if binding.ship_state == "pending" or self.open_deliveries():
            return
        self.queue_shipment(picking)

    def picking_lines(self, picking):
        """Marketplace line id -> quantity shipped by ``picking``."""
        lines = {}
        for move in picking.move_ids.filtered(lambda m: m.state == "done"):
            line_id = move.sale_line_id.mp_line_external_id
            if line_id and move.quantity:
                quantity = move.product_uom._compute_quantity(
                    move.quantity, move.sale_line_id.product_uom
                )
                lines[line_id] = lines.get(line_id, 0) + int(round(quantity))
        return lines

    def open_deliveries(self):
        return self.binding.sale_order_id.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
        )

    def shipped_picking(self):
        """The order's last delivery done."""
        return self.binding.sale_order_id.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        ).sorted("date_done")[-1:]

    def shipment(self, picking, tracking):
        """The ``Shipment`` of ``picking``, with the carrier as the account
        maps it (else as Odoo names it)."""
        mapping = (
            self.backend.carrier_mapping_ids.filtered(
                lambda m: m.carrier_id == picking.carrier_id
            )[:1]
            or self.backend.carrier_mapping_ids.filtered(lambda m: not m.carrier_id)[:1]
        )
        if not mapping:
            return mapping, Shipment(
                tracking_number=tracking,
                carrier_name=picking.carrier_id.name or None,
                carrier_url=picking.carrier_tracking_url or None,
            )
        coded = bool(mapping.marketplace_code)
        return mapping, Shipment(
            tracking_number=tracking,
            carrier_code=mapping.marketplace_code or None,
            carrier_name=None
            if coded
            else (mapping.marketplace_name or picking.carrier_id.name or None),
            carrier_url=None if coded else mapping._tracking_url(tracking),
        )

    def export_shipment(self, picking):
        """Declare the shipment of ``picking`` with carrier and tracking."""
        shipment = self.shipment_to_send(picking)
        if isinstance(shipment, str):
            return shipment
        what = self.env._("Shipment of %s", self.binding.external_id)
        outcome, refusal = self._send("ship", what, shipment, picking)
        if refusal:
            return refusal
        return self.shipped(picking, shipment, outcome)

    def shipment_to_send(self, picking):
        """The ``Shipment`` of ``picking`` to declare, or the job's result
        text when there is none to send (already sent, or its tracking
        number missing: kept on the binding)."""
        binding = self.binding
        each = self.backend._ships_each_delivery()
        if binding.ship_state == "done" or (each and picking.mp_shipment_sent):
            return self.env._("Already sent.")
        tracking = (picking.carrier_tracking_ref or "").strip() or None
        mapping, shipment = self.shipment(picking, tracking)
        if mapping.tracking_required and not tracking:
            self.failed(
                "ship",
                self.env._(
                    "Delivery %(picking)s has no tracking number, which the "
                    "marketplace requires. Fill it in, then retry.",
                    picking=picking.name,
                ),
            )
            return self.env._("No tracking number.")
        if each:
            declared = {}
            for other in binding.sale_order_id.picking_ids.filtered(
                lambda p: p.mp_shipment_sent and p != picking
            ):
                for line_id, quantity in self.picking_lines(other).items():
                    declared[line_id] = declared.get(line_id, 0) + quantity
            shipment = dataclasses.replace(
                shipment, lines=self.picking_lines(picking), declared=declared
            )
        return shipment

    def shipped(self, picking, shipment, outcome):
        """The marketplace took the shipment of ``picking`` (``outcome``: an
        ``Outcome``); returns the job's result text."""
        binding = self.binding
        tracking = shipment.tracking_number
        state = "done"
        if self.backend._ships_each_delivery():
            picking.mp_shipment_sent = True
            if self.open_deliveries():
                state = "partial"
        binding.write({"ship_state": state, "ship_error": False})
        message = self.env._(
            "Shipment of %(picking)s declared on the marketplace (tracking "
            "%(tracking)s).",
            picking=picking.name,
            tracking=tracking or "-",
        )
        if outcome == Outcome.ALREADY:
            message = self.env._("%s It already was shipped there.", message)
        picking.message_post(body=message)
        self._log(message)
        return message

    # -- the call and its failures ----------------------------------------------
    def _send(self, what, description, argument, picking=None):
        """Call the client's ``accept_order`` or ``ship_order`` (``what``:
        "accept" or "ship"); returns ``(outcome, None)``, or ``(None, the
        refusal)`` when the marketplace refused it (kept on the binding).
        Transient errors are job retries (``_map_errors``)."""
        client = self.backend._get_client()
        external_id = self.binding.external_id
        with self.backend._map_errors(what=description):
            try:
                if what == "accept":
                    outcome = client.accept_order(
                        external_id, argument, raw=self.binding.raw_payload
                    )
                else:
                    outcome = client.ship_order(external_id, argument)
                return outcome, None
            except (mp_errors.RemoteError, mp_errors.NotFound) as err:
                self.failed(what, err, picking)
                return None, str(err)

    def failed(self, what, error, picking=None):
        """The marketplace refused the export: kept on the binding."""
        message = str(error)
        field = "accept" if what == "accept" else "ship"
        self.binding.write({f"{field}_state": "error", f"{field}_error": message})
        self.backend._log_event(
            "error",
            f"{self.binding.external_id}: {message}",
            binding=self.binding,
            event_type="export_error",
        )
        if picking:
            picking.message_post(
                body=self.env._("The marketplace refused the shipment: %s", message)
            )

    def _log(self, message):
        self.backend._log_event(
            "info", f"{self.binding.external_id}: {message}", binding=self.binding
        )
