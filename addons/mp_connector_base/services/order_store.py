"""Raw order payloads first: the store of the order import.

``OrderStore(backend).store(raw_orders)`` upserts the payloads of one page
into ``mp.order.binding`` (one binding per account and marketplace order
id): a payload identical to the stored one changes nothing (overlapping
windows cost nothing), a new or changed one is stored ``new`` for the
processing jobs, or ``error`` with every reason when it cannot be mapped, or
``skipped`` when the order needs no sale order anyway (cancelled, refused, in
a state the account does not import) although its payload cannot be
mapped. The store reads the external id, the state and the mapping of a
payload through the account (which asks its client): it never reads a
payload itself.
"""

import json
from datetime import timezone

from mphub import errors as mp_errors
from mphub.canonical import OrderStatus, payload_hash
from psycopg2 import errors as pg_errors

from odoo.addons.queue_job.exception import RetryableJobError

from .order_activities import schedule_error_activity

# PostgreSQL's jsonb cannot hold a NUL character (\u0000): a payload with
# one is kept as its JSON text, where the NUL stays escaped
RAW_JSON_KEY = "mphub_raw_json"


def storable(raw):
    """``raw`` as the ``raw_payload`` column can store it, losing nothing."""
    text = json.dumps(raw)
    if "\\u0000" in text or RAW_JSON_KEY in text:
        return {RAW_JSON_KEY: text}
    return raw


def stored(raw_payload):
    """The payload as the marketplace sent it, from the column's value."""
    if isinstance(raw_payload, dict) and set(raw_payload) == {RAW_JSON_KEY}:
        return json.loads(raw_payload[RAW_JSON_KEY])
    return raw_payload


def naive(value):
    """An aware datetime as Odoo stores it (UTC, naive); False when empty."""
    if not value:
        return False
    return value.astimezone(timezone.utc).replace(tzinfo=None)


class OrderStore:
    """Stores the raw orders of one account; caches what a page shares."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.bindings = self.env["mp.order.binding"].sudo()
        self._currencies = {}
        self._state_labels = {}

    # -- store ----------------------------------------------------------------
    def store(self, raw_orders):
        """Upsert the raw payloads of one page; return counts and, under
        ``to_process``, the bindings that need processing."""
        stats = {"new": 0, "updated": 0, "unchanged": 0, "error": 0}
        to_process = in_error = self.bindings.browse()
        if not raw_orders:
            return dict(stats, to_process=to_process)
        incoming = {}
        for raw in raw_orders:
            digest = payload_hash(raw)
            external_id = self.backend._raw_order_external_id(raw)
            incoming[external_id or f"invalid-{digest[:24]}"] = (raw, digest)
        existing = self.bindings._mp_find(self.backend, list(incoming))
        to_create = []
        for external_id, (raw, digest) in incoming.items():
            binding = existing.get(external_id)
            if binding and binding.payload_hash == digest:
                stats["unchanged"] += 1
                if binding.state == "new":
                    to_process |= binding
                continue
            vals = self.vals_from_payload(raw, digest, binding)
            stats["error"] += vals["state"] == "error"
            if not binding:
                stats["new"] += 1
                vals.update(backend_id=self.backend.id, external_id=external_id)
                to_create.append(vals)
                continue
            stats["updated"] += 1
            binding.write(vals)
            if vals["state"] == "new":
                to_process |= binding
            elif vals["state"] == "error":
                in_error |= binding
        created = self._create(to_create)
        to_process |= created.filtered(lambda b: b.state == "new")
        in_error |= created.filtered(lambda b: b.state == "error")
        if in_error:
            schedule_error_activity(in_error)
        stats["to_process"] = to_process
        return stats

    def _create(self, vals_list):
        if not vals_list:
            return self.bindings.browse()
        try:
            with self.env.cr.savepoint():
                return self.bindings.with_context(tracking_disable=True).create(
                    vals_list
                )
        except pg_errors.UniqueViolation as err:
            # another import stored the same orders meanwhile
            raise RetryableJobError(
                "Orders stored concurrently; retrying", seconds=5
            ) from err

    def vals_from_payload(self, raw, digest, binding=None):
        """The binding values of a payload received: mapped, or in error
        with every reason, or skipped (see ``skip_vals``)."""
        vals = {
            "raw_payload": storable(raw),
            "payload_hash": digest,
            "state": "new",
            "error_kind": False,
            "error_message": False,
            "error_details": False,
        }
        try:
            order = self.backend._map_order(raw)
        except mp_errors.InvalidPayload as err:
            imported = binding and binding.sale_order_id
            skipped = None if imported else self.skip_vals(raw, err)
            vals.update(
                skipped
                or {
                    "state": "error",
                    "error_kind": "data",
                    "error_message": self.env._("Invalid order data: %s", err),
                }
            )
            return vals
        vals.update(self.summary_vals(order))
        return vals

    # -- skip rules -------------------------------------------------------------
    def skip_vals(self, raw, err):
        """Values recording an order that needs no sale order (cancelled,
        refused, or in a state the account does not import) although its
        payload cannot be mapped: nobody has to act on it, so it is skipped,
        not in error. None for any other order."""
        status, state = self.backend._raw_order_state(raw)
        import_states = set(self.backend.import_state_ids.mapped("code"))
        if status not in OrderStatus.DEAD and not (
            state and state not in import_states
        ):
            return None
        return {
            "state": "skipped",
            "error_kind": False,
            "marketplace_state": state or False,
            "order_status": status or False,
            "error_message": self.env._(
                "The order is in state “%(state)s” on the marketplace and needs "
                "no sale order (its data could not be read: %(reason)s).",
                state=self.state_label(state),
                reason=err,
            ),
        }

    def skip_reason(self, order, import_states):
        """Why an order mapped but not imported yet needs no sale order
        (first seen cancelled, pending, in a state the account does not
        import); None when it is to become a sale order."""
        state = self.state_label(order.marketplace_status)
        if order.status in OrderStatus.DEAD:
            return self.env._(
                "The order was in state “%(state)s” on the marketplace before it "
                "was imported: it needs no sale order.",
                state=state,
            )
        if order.status == OrderStatus.PENDING:
            # payment or fraud check not done: no prices yet, and perhaps
            # never (a declined payment cancels it); processed again when
            # the marketplace changes it
            return self.env._(
                "The order is in state “%(state)s” on the marketplace: it is "
                "imported once the marketplace confirms it.",
                state=state,
            )
        if order.marketplace_status not in import_states:
            return self.env._(
                "Orders first seen in state “%(state)s” are not imported by this "
                "account (see the states it imports in its settings).",
                state=state,
            )
        return None

    # -- summary ----------------------------------------------------------------
    def state_label(self, code):
        """The name people know a marketplace state ``code`` by."""
        if not code:
            return ""
        if code not in self._state_labels:
            state = (
                self.env["mp.marketplace.state"]
                .sudo()
                .search(
                    [
                        ("backend_type", "=", self.backend.backend_type),
                        ("code", "=", code),
                    ],
                    limit=1,
                )
            )
            self._state_labels[code] = state.name or code
        return self._state_labels[code]

    def summary_vals(self, order):
        """What a binding shows of its order (state, dates, amounts...)."""
        code = order.currency
        if code not in self._currencies:
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", code)], limit=1)
            )
            self._currencies[code] = currency.id or self.backend.currency_id.id
        return {
            "reference": order.reference,
            "marketplace_state": order.marketplace_status,
            "order_status": order.status,
            "marketplace_created_at": naive(order.created_at),
            "marketplace_updated_at": naive(order.updated_at),
            "customer_name": order.customer.name,
            "currency_id": self._currencies[code],
            "amount_total": float(order.total) if order.total is not None else 0.0,
            "commission_amount": float(order.commission_total or 0),
        }
