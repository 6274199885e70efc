import dataclasses
import hashlib
import json
import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta, timezone

from mphub import errors as mp_errors
from mphub.canonical import OrderStatus, payload_hash
from mphub.client import Outcome, Shipment
from mphub.orders import acceptance_decisions, plan_sale_order
from psycopg2 import Error as DatabaseError
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, plaintext2html

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from ..services.stored_text import in_company_lang
from ..services.tax_resolver import TaxNotFound, TaxResolver
from .mp_backend import LOCK_ERRORS
from .mp_marketplace_state import STATUS_SELECTION

_logger = logging.getLogger(__name__)

# database errors another worker causes: the order is processed again in a
# new transaction, which sees what the other one committed
TRANSIENT_DB_ERRORS = (
    *LOCK_ERRORS,
    pg_errors.UniqueViolation,
    pg_errors.ForeignKeyViolation,
)
# a user's replay of up to this many orders runs at once, with its outcome
# on screen; more go to the queue
REPLAY_NOW_LIMIT = 20
# the activity of an order in error, for whoever fixes it
ERROR_ACTIVITY = "mp_connector_base.mail_activity_type_order_error"
DECISION_ACTIVITY = "mp_connector_base.mail_activity_type_order_decision"


def _notification(title, message, kind="info"):
    """A toast for the user, after which the form shows the new state."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "title": title,
            "message": message,
            "type": kind,
            "sticky": False,
            "next": {"type": "ir.actions.act_window_close"},
        },
    }


class OrderError(Exception):
    """An order that cannot become a sale order now; kept in error.

    ``kind`` tells staff where to look: the payload itself, a product that
    does not exist yet, or the configuration.
    """

    def __init__(self, kind, message, missing=()):
        super().__init__(message)
        self.kind = kind
        self.missing = tuple(missing)  # (sku, ean) pairs of unknown products


class Busy(Exception):
    """Another worker holds what this order needs; try again shortly."""


@dataclass
class _Prepared:
    """An order checked and ready to become a sale order."""

    binding: object
    order: object  # mphub.canonical.Order
    plan: object  # mphub.orders.SalePlan
    vals: dict  # binding values to write once the sale order exists
    decisions: dict | None  # acceptance to send, None when staff decide
    sale_vals: dict
    state_label: str = ""  # the marketplace state, as people know it


class MpOrderBinding(models.Model):
    """A marketplace order, from its raw payload to its sale order.

    The raw payload is stored first (state ``new``), then processed into a
    confirmed sale order (``done``), or kept aside with the reason
    (``error``), or recorded without a sale order (``skipped``, e.g. orders
    first seen already closed). One binding per account and marketplace
    order id, whatever the number of imports and workers.
    """

    _name = "mp.order.binding"
    _description = "Marketplace Order"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "marketplace_created_at desc, id desc"
    _rec_name = "external_id"

    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="restrict",
        index=True,
    )
    backend_type = fields.Selection(related="backend_id.backend_type")
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
    external_id = fields.Char(string="Marketplace Order", required=True, index=True)
    reference = fields.Char(help="Customer-facing reference of the order.")
    sale_order_id = fields.Many2one(
        "sale.order", ondelete="set null", index="btree_not_null", copy=False
    )
    state = fields.Selection(
        [
            ("new", "To Import"),
            ("done", "Imported"),
            ("error", "In Error"),
            ("skipped", "Not Imported"),
        ],
        string="Import Status",
        default="new",
        required=True,
        index=True,
        help="To Import: stored, waiting to become a sale order. Imported: "
        "its sale order exists. In Error: it waits for a fix, with its reason. "
        "Not Imported: it needs no sale order (cancelled, not confirmed yet...).",
    )
    error_kind = fields.Selection(
        [
            ("data", "Invalid data"),
            ("product", "Unknown product"),
            ("config", "Configuration"),
            ("other", "Other error"),
        ],
        string="Error Type",
        index="btree_not_null",
    )
    error_message = fields.Text(string="Reason")
    error_details = fields.Text(
        string="Technical Details",
        readonly=True,
        copy=False,
        # no secret: shown to managers only, in the form's Technical page
        help="The error as the program saw it, for whoever investigates it.",
    )
    missing_sku_ids = fields.One2many(
        "mp.order.missing.sku", "binding_id", string="Unknown Products"
    )
    missing_skus = fields.Char(string="Unknown SKUs", compute="_compute_missing_skus")
    raw_payload = fields.Json(string="Payload", prefetch=False, copy=False)
    raw_payload_text = fields.Text(
        string="Raw Payload",
        compute="_compute_raw_payload_text",
        groups="mp_connector_base.group_mp_connector_base_manager",
    )
    payload_hash = fields.Char(copy=False)
    processed_hash = fields.Char(
        copy=False, help="Hash of the payload last processed successfully."
    )
    marketplace_state = fields.Char(
        string="Marketplace State Code",
        help="The order state as the marketplace API names it.",
    )
    marketplace_state_id = fields.Many2one(
        "mp.marketplace.state",
        compute="_compute_marketplace_state_id",
        store=True,
        index="btree_not_null",
    )
    marketplace_state_label = fields.Char(
        string="State on Marketplace", compute="_compute_marketplace_state_label"
    )
    order_status = fields.Selection(STATUS_SELECTION, string="Marketplace Status")
    marketplace_created_at = fields.Datetime(string="Ordered On")
    marketplace_updated_at = fields.Datetime(string="Updated on Marketplace")
    customer_name = fields.Char(string="Customer")
    currency_id = fields.Many2one("res.currency")
    amount_total = fields.Monetary(
        string="Marketplace Total",
        help="Total paid by the customer according to the marketplace.",
    )
    commission_amount = fields.Monetary(string="Commission")
    amount_mismatch = fields.Boolean(
        string="Total Differs",
        help="The sale order total differs from the marketplace total.",
    )
    date_processed = fields.Datetime(string="Processed On", readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    accept_state = fields.Selection(
        [
            ("none", "Not needed"),
            ("to_decide", "To decide"),
            ("pending", "Being sent"),
            ("accepted", "Accepted"),
            ("refused", "Refused"),
            ("error", "Error"),
        ],
        string="Acceptance",
        default="none",
        required=True,
    )
    accept_error = fields.Text(string="Acceptance Error")
    ship_state = fields.Selection(
        [
            ("none", "Not shipped"),
            ("pending", "Being sent"),
            ("partial", "Partly sent"),
            ("done", "Sent"),
            ("error", "Error"),
        ],
        string="Shipment",
        default="none",
        required=True,
    )
    ship_error = fields.Text(string="Shipment Error")
    event_ids = fields.One2many("mp.sync.event", "order_binding_id", string="Events")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_id, external_id)",
            "A marketplace order is bound once per account.",
        ),
    ]

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------
    @api.depends("missing_sku_ids.sku")
    def _compute_missing_skus(self):
        for binding in self:
            binding.missing_skus = ", ".join(binding.missing_sku_ids.mapped("sku"))

    @api.depends("backend_id.backend_type", "marketplace_state")
    def _compute_marketplace_state_id(self):
        pairs = {
            (b.backend_id.backend_type, b.marketplace_state)
            for b in self
            if b.marketplace_state
        }
        states = {}
        if pairs:
            for state in (
                self.env["mp.marketplace.state"]
                .sudo()
                .search(
                    [
                        ("backend_type", "in", list({t for t, _c in pairs})),
                        ("code", "in", list({c for _t, c in pairs})),
                    ]
                )
            ):
                states[(state.backend_type, state.code)] = state.id
        for binding in self:
            binding.marketplace_state_id = states.get(
                (binding.backend_id.backend_type, binding.marketplace_state), False
            )

    @api.depends("marketplace_state_id.name", "marketplace_state")
    def _compute_marketplace_state_label(self):
        for binding in self:
            binding.marketplace_state_label = (
                binding.marketplace_state_id.name or binding.marketplace_state
            )

    @api.depends("raw_payload")
    def _compute_raw_payload_text(self):
        for binding in self:
            raw = binding._raw()
            binding.raw_payload_text = (
                # control characters (NUL included) are escaped by dumps
                json.dumps(raw, indent=2, ensure_ascii=False)
                if raw is not None
                else False
            )

    def _raw(self):
        """The payload as the marketplace sent it (see ``_storable``)."""
        self.ensure_one()
        raw = self.raw_payload
        if isinstance(raw, dict) and set(raw) == {RAW_JSON_KEY}:
            return json.loads(raw[RAW_JSON_KEY])
        return raw

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_replay(self):
        """Process the stored payloads again (after fixing a product, a tax...)
        and tell the user how it went, on screen and in each order's chatter."""
        self.check_access("write")
        todo = self.filtered(lambda b: b.state in ("new", "error", "skipped"))
        if not todo:
            raise UserError(
                self.env._(
                    "Only orders to import, in error or not imported can be replayed."
                )
            )
        user = self.env.user
        todo.backend_id._ensure_utm_source()
        todo.sudo().write({"state": "new"})
        if len(todo) > REPLAY_NOW_LIMIT:
            for backend in todo.backend_id:
                in_company_lang(backend.sudo(), backend.company_id)._enqueue_processing(
                    todo.sudo().filtered(
                        lambda b, backend=backend: b.backend_id == backend
                    )
                )
            for bindings in todo.sudo()._in_company_langs():
                for binding in bindings:
                    binding._message_log(
                        body=bindings.env._(
                            "Replay requested by %s: the order is processed in "
                            "the background.",
                            user.name,
                        )
                    )
            return _notification(
                self.env._("Replay queued"),
                self.env._(
                    "%s orders are queued: they are processed in the background "
                    "within a few minutes.",
                    len(todo),
                ),
            )
        todo.sudo()._process_bindings(force=True)
        todo.invalidate_recordset()
        for bindings in todo.sudo()._in_company_langs():
            bindings._log_replay(user)
        return todo._replay_notification()

    def _in_company_langs(self):
        """These bindings, split by company, each part in its company's
        language (see ``in_company_lang``)."""
        for company, bindings in self.grouped("company_id").items():
            yield in_company_lang(bindings, company or None)

    def _log_replay(self, user):
        """Chatter note of a user's replay and of its outcome."""
        for binding in self:
            if binding.state == "done":
                body = self.env._(
                    "Replayed by %(user)s: imported as sale order %(order)s.",
                    user=user.name,
                    order=binding.sale_order_id.name,
                )
            elif binding.state == "error":
                body = self.env._(
                    "Replayed by %(user)s: still in error. %(reason)s",
                    user=user.name,
                    reason=binding.error_message,
                )
            elif binding.state == "skipped":
                body = self.env._(
                    "Replayed by %(user)s: not imported. %(reason)s",
                    user=user.name,
                    reason=binding.error_message,
                )
            else:
                body = self.env._(
                    "Replayed by %(user)s: another import was working on the "
                    "order, which is processed again in a moment.",
                    user=user.name,
                )
            binding._message_log(body=body)

    def _replay_notification(self):
        """The toast telling the user how the replay of these orders went."""
        if len(self) == 1:
            if self.state == "done":
                return _notification(
                    self.env._("Order imported"),
                    self.env._(
                        "Order %(order)s is imported as sale order %(sale)s.",
                        order=self.external_id,
                        sale=self.sale_order_id.name,
                    ),
                    "success",
                )
            if self.state == "error":
                return _notification(
                    self.env._("Still in error"),
                    self.env._(
                        "Order %(order)s is still in error: %(reason)s",
                        order=self.external_id,
                        reason=self.error_message,
                    ),
                    "warning",
                )
            if self.state == "skipped":
                return _notification(
                    self.env._("Not imported"),
                    self.env._(
                        "Order %(order)s needs no sale order: %(reason)s",
                        order=self.external_id,
                        reason=self.error_message,
                    ),
                )
            return _notification(
                self.env._("Replay postponed"),
                self.env._(
                    "Another import is working on order %s: it is processed "
                    "again in a moment.",
                    self.external_id,
                ),
            )
        counts = {
            state: len(self.filtered(lambda b, state=state: b.state == state))
            for state in ("done", "error", "skipped", "new")
        }
        return _notification(
            self.env._("Orders replayed"),
            self.env._(
                "%(count)s orders replayed: %(done)s imported, %(error)s still "
                "in error, %(skipped)s not imported, %(new)s postponed.",
                count=len(self),
                **counts,
            ),
            "warning" if counts["error"] else "success",
        )

    def action_refetch(self):
        """Download the orders again from the marketplace, then process them."""
        self.check_access("write")
        for backend in self.backend_id:
            bindings = self.filtered(lambda b, backend=backend: b.backend_id == backend)
            backend = in_company_lang(backend.sudo(), backend.company_id)
            backend._enqueue(
                bindings.sudo(),
                "_job_refetch",
                priority=5,
                max_retries=10,
                description=backend.env._(
                    "%(backend)s: download order %(order)s again",
                    backend=backend.name,
                    order=bindings.external_id,
                )
                if len(bindings) == 1
                else backend.env._(
                    "%(backend)s: download %(count)s orders again",
                    backend=backend.name,
                    count=len(bindings),
                ),
            )
        return _notification(
            self.env._("Download queued"),
            self.env._(
                "The marketplace is asked again for %s order(s); they are "
                "processed as soon as they arrive.",
                len(self),
            ),
        )

    def action_accept(self):
        return self._action_send_decision(True)

    def action_refuse(self):
        return self._action_send_decision(False)

    def _action_send_decision(self, accept):
        self.check_access("write")
        self._check_decision(accept)
        for bindings in self._in_company_langs():
            bindings._send_decision(accept)
        if accept:
            message = self.env._(
                "The acceptance of %s is being sent to the marketplace.",
                ", ".join(self.mapped("external_id")),
            )
        else:
            message = self.env._(
                "The refusal of %s is being sent to the marketplace.",
                ", ".join(self.mapped("external_id")),
            )
        return _notification(self.env._("Decision sent"), message, "success")

    def _check_decision(self, accept):
        """Refuse, in the user's words, a decision that makes no sense."""
        for binding in self:
            if binding.order_status != OrderStatus.WAITING_ACCEPTANCE:
                raise UserError(
                    self.env._(
                        "Order %(order)s is not waiting for acceptance.",
                        order=binding.external_id,
                    )
                )
            if accept and not binding.sale_order_id:
                # accepting commits the seller to ship an order Odoo does
                # not know yet; refusing one that cannot be sold is fine
                raise UserError(
                    self.env._(
                        "Order %(order)s has no sale order yet: fix its error "
                        "and replay it before accepting it.",
                        order=binding.external_id,
                    )
                )

    def _send_decision(self, accept):
        for binding in self:
            if binding.accept_state in ("pending", "accepted", "refused"):
                continue
            lines = binding._line_ids()
            binding.sudo()._queue_acceptance(dict.fromkeys(lines, accept))
            binding.activity_feedback(
                [DECISION_ACTIVITY],
                feedback=self.env._("Accepted") if accept else self.env._("Refused"),
            )

    def action_retry_export(self):
        """Send again an acceptance or a shipment that failed."""
        self.check_access("write")
        for bindings in self.sudo()._in_company_langs():
            for binding in bindings:
                if binding.accept_state == "error":
                    decisions = binding._last_decisions()
                    if decisions:
                        binding._queue_acceptance(decisions)
                if binding.ship_state == "error":
                    picking = binding._shipped_picking()
                    if picking:
                        binding._queue_shipment(picking)
        return _notification(
            self.env._("Status sent again"),
            self.env._(
                "The marketplace is sent the status of %s again.",
                ", ".join(self.mapped("external_id")),
            ),
            "success",
        )

    def action_open_product_wizard(self):
        """Fix the unknown products of this order without leaving it."""
        self.ensure_one()
        if self.state != "error" or not self.missing_sku_ids:
            raise UserError(
                self.env._("Order %s waits for no unknown product.", self.external_id)
            )
        mode = self.env.context.get("mp_product_mode", "link")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create Products")
            if mode == "create"
            else self.env._("Link to Products"),
            "res_model": "mp.order.product.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_binding_id": self.id,
                "default_mode": mode,
            },
        }

    def action_open_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # store: raw payloads first
    # ------------------------------------------------------------------
    @api.model
    def _store_raw_orders(self, backend, raw_orders):
        """Upsert the raw payloads of one page; return counts and the
        bindings that need processing.

        A payload identical to the stored one changes nothing (overlapping
        windows cost nothing). A payload that cannot be mapped is stored in
        error with every reason.
        """
        # the reasons stored are in the account's company language
        return in_company_lang(self, backend.company_id)._store_raw_payloads(
            backend, raw_orders
        )

    @api.model
    def _store_raw_payloads(self, backend, raw_orders):
        stats = {"new": 0, "updated": 0, "unchanged": 0, "error": 0}
        to_process = self.browse()
        in_error = self.browse()
        if not raw_orders:
            stats["to_process"] = to_process
            return stats
        incoming = {}
        for raw in raw_orders:
            digest = payload_hash(raw)
            external_id = backend._raw_order_external_id(raw)
            if not external_id:
                external_id = f"invalid-{digest[:24]}"
            incoming[external_id] = (raw, digest)
        existing = {
            b.external_id: b
            for b in self.sudo().search(
                [
                    ("backend_id", "=", backend.id),
                    ("external_id", "in", list(incoming)),
                ]
            )
        }
        to_create = []
        for external_id, (raw, digest) in incoming.items():
            binding = existing.get(external_id)
            if binding and binding.payload_hash == digest:
                stats["unchanged"] += 1
                if binding.state == "new":
                    to_process |= binding
                continue
            vals = self._vals_from_payload(backend, raw, digest, binding)
            if vals["state"] == "error":
                stats["error"] += 1
            if binding:
                stats["updated"] += 1
                binding.write(vals)
                if vals["state"] == "new":
                    to_process |= binding
                elif vals["state"] == "error":
                    in_error |= binding
            else:
                stats["new"] += 1
                vals.update({"backend_id": backend.id, "external_id": external_id})
                to_create.append(vals)
        if to_create:
            try:
                with self.env.cr.savepoint():
                    created = (
                        self.sudo()
                        .with_context(tracking_disable=True)
                        .create(to_create)
                    )
            except pg_errors.UniqueViolation as err:
                # another import stored the same orders meanwhile
                raise RetryableJobError(
                    "Orders stored concurrently; retrying", seconds=5
                ) from err
            to_process |= created.filtered(lambda b: b.state == "new")
            in_error |= created.filtered(lambda b: b.state == "error")
        in_error.sudo()._schedule_error_activity()
        stats["to_process"] = to_process
        return stats

    @api.model
    def _vals_from_payload(self, backend, raw, digest, binding=None):
        vals = {
            "raw_payload": _storable(raw),
            "payload_hash": digest,
            "state": "new",
            "error_kind": False,
            "error_message": False,
            "error_details": False,
        }
        try:
            order = backend._map_order(raw)
        except mp_errors.InvalidPayload as err:
            if not (binding and binding.sale_order_id):
                skipped = self._skip_vals(backend, raw, err)
                if skipped:
                    vals.update(skipped)
                    return vals
            vals.update(
                {
                    "state": "error",
                    "error_kind": "data",
                    "error_message": self.env._("Invalid order data: %s", err),
                }
            )
            return vals
        vals.update(self._summary_vals(backend, order))
        return vals

    @api.model
    def _skip_vals(self, backend, raw, err):
        """Values recording an order that needs no sale order (cancelled,
        refused, or in a state the account does not import) although its
        payload cannot be mapped: nobody has to act on it, so it is skipped,
        not in error. None for any other order."""
        status, state = backend._raw_order_state(raw)
        import_states = set(backend.import_state_ids.mapped("code"))
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
                state=self._state_label(backend, state),
                reason=err,
            ),
        }

    @api.model
    def _state_label(self, backend, code):
        """The name people know a marketplace state ``code`` by."""
        if not code:
            return ""
        state = (
            self.env["mp.marketplace.state"]
            .sudo()
            .search(
                [("backend_type", "=", backend.backend_type), ("code", "=", code)],
                limit=1,
            )
        )
        return state.name or code

    @api.model
    def _summary_vals(self, backend, order, currency_id=None):
        if currency_id is None:
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", order.currency)], limit=1)
            )
            currency_id = currency.id or backend.currency_id.id
        return {
            "reference": order.reference,
            "marketplace_state": order.marketplace_status,
            "order_status": order.status,
            "marketplace_created_at": _naive(order.created_at),
            "marketplace_updated_at": _naive(order.updated_at),
            "customer_name": order.customer.name,
            "currency_id": currency_id,
            "amount_total": float(order.total) if order.total is not None else 0.0,
            "commission_amount": float(order.commission_total or 0),
        }

    # ------------------------------------------------------------------
    # process: payload -> sale order
    # ------------------------------------------------------------------
    def _job_process(self, parent_run=None):
        """Job: process these bindings, each in its own savepoint.

        Runs as superuser in the account's company and its language:
        whoever queued it (a product manager creating the missing product,
        say) needs no right on sale orders or partners.
        """
        return self.sudo()._process_bindings(
            parent_run=parent_run.sudo() if parent_run else None
        )

    def _process_bindings(self, parent_run=None, force=False):
        """Process these bindings, account by account, each account in its
        company and in its company's language (reasons, notes, activities
        are stored texts)."""
        results = {}
        for backend in self.backend_id:
            backend = in_company_lang(
                backend.with_company(backend.company_id), backend.company_id
            )
            bindings = self.filtered(
                lambda b, backend=backend: b.backend_id == backend
            ).with_env(backend.env)
            results[backend] = bindings._process_for_backend(
                backend,
                parent_run=parent_run,
                force=force,
            )
        summaries = []
        for backend, counts in results.items():
            summaries.append(
                backend.env._(
                    "%(backend)s: %(done)s done, %(skipped)s skipped, %(error)s in "
                    "error, %(busy)s postponed",
                    backend=backend.name,
                    **counts,
                )
            )
        return "; ".join(summaries)

    def _process_for_backend(self, backend, parent_run=None, force=False):
        """Process the bindings of one account.

        Each order is checked and prepared in its own savepoint (map, plan,
        products, buyer, taxes); the sale orders of the batch are then created
        and confirmed by batched ORM calls, as fast as bare ORM code would.
        Should the batch fail, each order is created alone to isolate the
        culprit.
        """
        run = (
            self.env["mp.sync.run"]
            .sudo()
            .create(
                {
                    "backend_id": backend.id,
                    "operation": "process_orders",
                    "parent_id": parent_run.id if parent_run else False,
                }
            )
        )
        context = _ProcessContext(backend)
        counts = {"done": 0, "skipped": 0, "error": 0, "busy": 0, "unchanged": 0}
        outcomes = {}
        for binding in self:
            outcomes[binding] = binding._process_safely(context, run, force=force)
        if context.prepared:
            outcomes.update(self._create_sale_orders(context, run))
        busy = self.browse()
        for binding, outcome in outcomes.items():
            counts[outcome] += 1
            if outcome == "busy":
                busy |= binding
        run.write(
            {
                "count_fetched": len(self),
                "count_done": counts["done"],
                "count_skipped": counts["skipped"],
                "count_error": counts["error"],
                "count_unchanged": counts["unchanged"],
            }
        )
        run._close("done")
        if busy:
            # someone else works on them now: look again shortly, in a new
            # transaction that sees what the other worker committed
            backend._enqueue(
                busy,
                "_job_process",
                parent_run,
                run=parent_run,
                priority=10,
                eta=10,
                max_retries=10,
                description=self.env._(
                    "%(backend)s: process postponed order %(order)s",
                    backend=backend.name,
                    order=busy.external_id,
                )
                if len(busy) == 1
                else self.env._(
                    "%(backend)s: process %(count)s postponed orders",
                    backend=backend.name,
                    count=len(busy),
                ),
            )
        return counts

    def _process_safely(self, context, run, force=False):
        """Process one binding; never let it fail the batch.

        Returns "done", "skipped", "error", "busy", "unchanged", or
        "prepared" when its sale order waits in ``context.prepared``.
        """
        self.ensure_one()
        # what the order adds to the batch (its prepared sale order, the stock
        # it claims) belongs to its savepoint: should the savepoint be rolled
        # back, even by the flush of its release, it is taken back too, or a
        # sale order would be created on partners that no longer exist
        checkpoint = context.checkpoint()
        try:
            with self.env.cr.savepoint():
                self._lock_for_processing()
                if self.state != "new" and not force:
                    return "unchanged"
                if self.state == "done" and self.processed_hash == self.payload_hash:
                    return "unchanged"
                outcome = self._process(context)
            return outcome
        except (Busy, *TRANSIENT_DB_ERRORS):
            context.restore(checkpoint)
            return "busy"
        except Exception as err:  # noqa: BLE001 (each order is isolated)
            context.restore(checkpoint)
            return self._fail_processing(err, run)

    def _fail_processing(self, err, run):
        """Keep the order in error with the reason of ``err``; returns the
        outcome, "busy" when ``err`` is a database conflict with another
        worker (the order is processed again shortly)."""
        if isinstance(err, TRANSIENT_DB_ERRORS):
            return "busy"
        if isinstance(err, OrderError):
            self._set_error(err.kind, str(err), err.missing, run)
        elif isinstance(err, UserError | ValidationError):
            # written for people already (a check of a sale order, say)
            self._set_error("other", str(err), (), run)
        elif isinstance(err, DatabaseError):
            # the query and its data are for managers (technical details)
            # and the server log, not for the reason, which users read
            _logger.exception("Marketplace order %s failed", self.external_id)
            self._set_error(
                "other",
                self._database_error_reason(err),
                (),
                run,
                details=f"{type(err).__name__}: {err}",
            )
        else:  # a bug must not block the other orders
            _logger.exception("Marketplace order %s failed", self.external_id)
            self._set_error(
                "other",
                self.env._(
                    "An unexpected error stopped the import of this order. "
                    "Replay it; should it fail again, a manager finds the "
                    "technical details on the order (error %(error)s).",
                    error=type(err).__name__,
                ),
                (),
                run,
                details="".join(
                    traceback.format_exception(type(err), err, err.__traceback__)
                ),
            )
        return "error"

    def _database_error_reason(self, err):
        """A sentence saying what the database refused, for people."""
        if isinstance(err, pg_errors.NotNullViolation):
            problem = self.env._("A value the sale order needs is missing.")
        elif isinstance(err, pg_errors.CheckViolation):
            problem = self.env._(
                "A value of the order is outside what the database accepts."
            )
        elif isinstance(err, pg_errors.IntegrityError):
            problem = self.env._("The order conflicts with data already saved.")
        elif isinstance(err, pg_errors.DataError):
            problem = self.env._(
                "A value of the order does not fit (too long, out of range or "
                "badly formed)."
            )
        else:
            problem = self.env._("The database could not save the order.")
        return self.env._(
            "%(problem)s Check the order's products, customer and account "
            "settings, then replay it; managers find the technical details on "
            "the order (error %(error)s).",
            problem=problem,
            error=type(err).__name__,
        )

    def _lock_for_processing(self):
        """Row lock: one worker at a time processes a given order."""
        # failing here is expected under concurrency: not worth an ERROR log
        self.env.cr.execute(
            SQL(
                "SELECT id FROM mp_order_binding WHERE id = %s FOR UPDATE NOWAIT",
                self.id,
            ),
            log_exceptions=False,
        )
        self.invalidate_recordset()

    def _set_error(self, kind, message, missing, run, details=False):
        changed = (self.state, self.error_kind, self.error_message) != (
            "error",
            kind,
            message,
        )
        self.sudo().with_context(tracking_disable=True).write(
            {
                "state": "error",
                "error_kind": kind,
                "error_message": message,
                "error_details": details,
                "attempt_count": self.attempt_count + 1,
                "missing_sku_ids": [Command.clear()]
                + [Command.create({"sku": sku, "ean": ean}) for sku, ean in missing],
            }
        )
        self.backend_id._log_event(
            "error", message, run=run, binding=self, event_type="data_error"
        )
        self.sudo()._schedule_error_activity(update=changed)

    # ------------------------------------------------------------------
    # the activity of an order in error
    # ------------------------------------------------------------------
    def _schedule_error_activity(self, update=True):
        """One activity per order in error, for whoever fixes it; a later
        failure updates it (``update``) rather than adding another."""
        activity_type = self.env.ref(ERROR_ACTIVITY, raise_if_not_found=False)
        if not activity_type:
            return
        activities = self.env["mail.activity"].with_context(
            # one notification e-mail per order in error would flood the inbox
            mail_activity_quick_update=True
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        for binding in self:
            existing = binding.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            )
            vals = {
                "summary": binding._error_activity_summary(),
                "note": plaintext2html(binding.error_message or ""),
            }
            if existing:
                if update:
                    existing.write(vals)
                continue
            activities.create(
                dict(
                    vals,
                    activity_type_id=activity_type.id,
                    res_model_id=model_id,
                    res_id=binding.id,
                    automated=True,
                    date_deadline=fields.Date.context_today(binding),
                    user_id=binding._error_activity_user().id,
                )
            )

    def _error_activity_summary(self):
        kind = self.error_kind
        if kind == "product":
            return self.env._(
                "Link or create the products of order %s", self.external_id
            )
        if kind == "config":
            return self.env._(
                "Complete the account settings for order %s", self.external_id
            )
        if kind == "data":
            return self.env._("Check order %s on the marketplace", self.external_id)
        return self.env._("Fix marketplace order %s", self.external_id)

    def _error_activity_user(self):
        """Whoever answers for the account: its salesperson, else one of
        the marketplace managers of its company, else the administrator."""
        backend = self.backend_id
        if backend.user_id and backend.user_id.active and not backend.user_id.share:
            return backend.user_id
        root = self.env.ref("base.user_root")
        managers = (
            self.env.ref("mp_connector_base.group_mp_connector_base_manager")
            .sudo()
            .users.filtered(
                lambda u: (
                    u.active
                    and not u.share
                    and u != root
                    and backend.company_id in u.company_ids
                )
            )
            .sorted("id")
        )
        return (
            managers[:1]
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )

    def _close_error_activity(self, feedback):
        """The order no longer waits for anyone: its activity is done."""
        activity_type = self.env.ref(ERROR_ACTIVITY, raise_if_not_found=False)
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        if activities:
            activities.action_feedback(feedback=feedback)

    def _process(self, context):
        backend = self.backend_id
        try:
            order = backend._map_order(self._raw())
        except mp_errors.InvalidPayload as err:
            skipped = (
                None
                if self.sale_order_id
                else self._skip_vals(backend, self._raw(), err)
            )
            if not skipped:
                raise OrderError(
                    "data", self.env._("Invalid order data: %s", err)
                ) from err
            skipped["attempt_count"] = self.attempt_count + 1
            self.with_context(tracking_disable=True).write(skipped)
            return "skipped"
        vals = context.summary_vals(order)
        vals.update(
            {
                "processed_hash": self.payload_hash,
                "date_processed": fields.Datetime.now(),
                "attempt_count": self.attempt_count + 1,
                "error_kind": False,
                "error_message": False,
                "error_details": False,
                "missing_sku_ids": [Command.clear()],
            }
        )
        state = context.state_label(order.marketplace_status)
        if self.sale_order_id:
            self._apply_update(order, vals)
            vals["state"] = "done"
        elif order.status in OrderStatus.DEAD:
            vals["state"] = "skipped"
            vals["error_message"] = self.env._(
                "The order was in state “%(state)s” on the marketplace before it "
                "was imported: it needs no sale order.",
                state=state,
            )
        elif order.status == OrderStatus.PENDING:
            # payment or fraud check not done: no prices yet, and perhaps
            # never (a declined payment cancels it); processed again when
            # the marketplace changes it
            vals["state"] = "skipped"
            vals["error_message"] = self.env._(
                "The order is in state “%(state)s” on the marketplace: it is "
                "imported once the marketplace confirms it.",
                state=state,
            )
        elif order.marketplace_status not in context.import_states:
            vals["state"] = "skipped"
            vals["error_message"] = self.env._(
                "Orders first seen in state “%(state)s” are not imported by this "
                "account (see the states it imports in its settings).",
                state=state,
            )
        else:
            context.prepared.append(self._prepare_sale_order(order, context, vals))
            return "prepared"
        self.with_context(tracking_disable=True).write(vals)
        self._close_error_activity(
            vals["error_message"]
            if vals["state"] == "skipped"
            else self.env._("The order is up to date.")
        )
        return "skipped" if vals["state"] == "skipped" else "done"

    def _prepare_sale_order(self, order, context, vals):
        """Check the order and build its sale order values (nothing created
        but the buyer's partners)."""
        backend = self.backend_id
        active = [line for line in order.lines if line.active]
        if not active:
            raise OrderError("data", self.env._("The order has no line left to sell."))
        products = context.products_for(active)
        context.currency(order.currency)
        partner, invoice, shipping = context.partners_for(order.customer)
        fiscal_position = context.taxes.fiscal_position(partner, shipping)
        tax_of = context.taxes.for_order(
            order,
            products,
            fiscal_position,
            shipping.country_id or partner.country_id,
        )
        try:
            plan = plan_sale_order(order, tax_of=tax_of)
        except TaxNotFound as err:
            raise OrderError("config", str(err)) from err
        lines = []
        for line in plan.product_lines:
            lines.append(
                Command.create(
                    {
                        "product_id": products[line.sku].id,
                        "product_uom_qty": line.quantity,
                        "price_unit": float(line.price_unit),
                        "discount": 0.0,
                        "tax_id": [Command.set(list(line.tax_key))],
                        "mp_line_external_id": line.external_id,
                    }
                )
            )
        for line in plan.shipping_lines:
            lines.append(
                Command.create(
                    {
                        "product_id": backend.shipping_product_id.id,
                        "name": self.env._(
                            "Shipping (%s)", order.shipping_method or backend.name
                        ),
                        "product_uom_qty": 1,
                        "price_unit": float(line.price_unit),
                        "discount": 0.0,
                        "tax_id": [Command.set(list(line.tax_key))],
                        "is_delivery": True,
                    }
                )
            )
        if plan.discount_lines and not backend.discount_product_id:
            self._missing_product(
                self.env._(
                    "The order has promotions but account %s has no promotion "
                    "product: set one in its settings.",
                    backend.name,
                )
            )
        for line in plan.discount_lines:
            lines.append(
                Command.create(
                    {
                        "product_id": backend.discount_product_id.id,
                        "name": self.env._("Promotion (%s)", backend.name),
                        "product_uom_qty": 1,
                        "price_unit": float(line.price_unit),
                        "discount": 0.0,
                        "tax_id": [Command.set(list(line.tax_key))],
                    }
                )
            )
        if plan.gift_wrap_lines and not backend.gift_wrap_product_id:
            self._missing_product(
                self.env._(
                    "The order has gift wrapping but account %s has no gift "
                    "wrapping product: set one in its settings.",
                    backend.name,
                )
            )
        messages = "; ".join(
            line.gift_message for line in order.lines if line.gift_message
        )
        for line in plan.gift_wrap_lines:
            lines.append(
                Command.create(
                    {
                        "product_id": backend.gift_wrap_product_id.id,
                        "name": self.env._("Gift wrapping: %s", messages)
                        if messages
                        else self.env._("Gift wrapping"),
                        "product_uom_qty": 1,
                        "price_unit": float(line.price_unit),
                        "discount": 0.0,
                        "tax_id": [Command.set(list(line.tax_key))],
                    }
                )
            )
        decisions = None
        if order.status == OrderStatus.WAITING_ACCEPTANCE:
            decisions = context.acceptance(order, products)
        sale_vals = {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
            "company_id": backend.company_id.id,
            "warehouse_id": backend.warehouse_id.id,
            "user_id": backend.user_id.id or False,
            "pricelist_id": context.pricelist.id or False,
            "fiscal_position_id": fiscal_position.id or False,
            "client_order_ref": order.reference or order.external_id,
            "origin": f"{backend.name} {order.external_id}",
            "date_order": _naive(order.created_at),
            "mp_commission_amount": float(plan.commission or 0),
            "mp_delivery_instructions": context.delivery_instructions(order),
            "order_line": lines,
        }
        if backend.team_id:
            # else Odoo's default team, as for any sale order
            sale_vals["team_id"] = backend.team_id.id
        return _Prepared(
            binding=self,
            order=order,
            plan=plan,
            vals=vals,
            decisions=decisions,
            state_label=context.state_label(order.marketplace_status),
            sale_vals=sale_vals,
        )

    def _create_sale_orders(self, context, run):
        """Create and confirm the prepared sale orders; return outcomes."""
        prepared = context.prepared
        sale_orders = self.env["sale.order"].with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mp_keep_date_order=True,
        )
        try:
            with self.env.cr.savepoint():
                utm = context.utm_vals()
        except TRANSIENT_DB_ERRORS:
            # another worker creates the account's source: all of them later
            return {item.binding: "busy" for item in prepared}
        try:
            with self.env.cr.savepoint():
                orders = sale_orders.create([{**utm, **p.sale_vals} for p in prepared])
                if context.backend.auto_confirm:
                    orders.action_confirm()
                for item, order in zip(prepared, orders, strict=True):
                    item.binding._finish_sale_order(item, order)
            return {item.binding: "done" for item in prepared}
        except LOCK_ERRORS:
            # stock or rows another worker changed: all of them later
            return {item.binding: "busy" for item in prepared}
        except Exception:  # noqa: BLE001 (isolate the order at fault below)
            _logger.info("Batch of sale orders failed; creating them one by one")
        outcomes = {}
        for item in prepared:
            try:
                with self.env.cr.savepoint():
                    order = sale_orders.create([{**utm, **item.sale_vals}])
                    if context.backend.auto_confirm:
                        order.action_confirm()
                    item.binding._finish_sale_order(item, order)
                outcomes[item.binding] = "done"
            except LOCK_ERRORS:
                outcomes[item.binding] = "busy"
            except Exception as err:  # noqa: BLE001 (each order is isolated)
                outcomes[item.binding] = item.binding._fail_processing(err, run)
        return outcomes

    @staticmethod
    def _missing_product(message):
        """An account setting the order needs is empty: the order waits in
        error with ``message`` until staff set it and replay it."""
        raise OrderError("config", message)

    def _finish_sale_order(self, item, sale_order):
        backend = self.backend_id
        vals = dict(item.vals, state="done")
        self.sale_order_id = sale_order
        currency = sale_order.currency_id
        mismatch = (
            float_compare(
                sale_order.amount_total,
                float(item.plan.expected_total),
                precision_rounding=currency.rounding,
            )
            != 0
        )
        vals["amount_mismatch"] = mismatch
        if mismatch:
            backend._log_event(
                "warning",
                self.env._(
                    "Order %(order)s: the sale order total %(odoo)s differs from "
                    "the marketplace total %(marketplace)s.",
                    order=item.order.external_id,
                    odoo=sale_order.amount_total,
                    marketplace=item.plan.expected_total,
                ),
                binding=self,
            )
        sale_order._message_log(
            body=self.env._(
                "Imported from %(backend)s, marketplace order %(order)s (%(state)s).",
                backend=backend.name,
                order=item.order.external_id,
                state=item.state_label or item.order.marketplace_status,
            )
        )
        self._close_error_activity(
            self.env._("Imported as sale order %s.", sale_order.name)
        )
        if item.order.status == OrderStatus.WAITING_ACCEPTANCE:
            if item.decisions:
                self._queue_acceptance(item.decisions)
            else:
                vals["accept_state"] = "to_decide"
                self._schedule_decision_activity(item.order)
        self.with_context(tracking_disable=True).write(vals)

    def _apply_update(self, order, vals):
        """Apply a later state of an order already imported."""
        sale_order = self.sale_order_id
        if order.status in OrderStatus.DEAD and sale_order.state != "cancel":
            done = sale_order.picking_ids.filtered(
                lambda p: p.state == "done" and p.picking_type_code == "outgoing"
            )
            if done:
                raise OrderError(
                    "other",
                    self.env._(
                        "The order is in state “%(state)s” on the marketplace "
                        "but %(pickings)s already left the warehouse: handle the "
                        "return by hand.",
                        state=self._state_label(
                            self.backend_id, order.marketplace_status
                        ),
                        pickings=", ".join(done.mapped("name")),
                    ),
                )
            if sale_order.locked:
                sale_order.action_unlock()
            sale_order.with_context(disable_cancel_warning=True).action_cancel()
            sale_order.message_post(
                body=self.env._(
                    "Cancelled because the order is in state “%(state)s” on the "
                    "marketplace.",
                    state=self._state_label(self.backend_id, order.marketplace_status),
                )
            )
            if self.accept_state == "to_decide":
                vals["accept_state"] = (
                    "refused" if order.status == OrderStatus.REFUSED else "none"
                )
                self.activity_unlink([DECISION_ACTIVITY])
        elif order.status not in (
            OrderStatus.PENDING,
            OrderStatus.WAITING_ACCEPTANCE,
            *OrderStatus.DEAD,
        ) and self.accept_state in ("to_decide", "pending", "error"):
            # accepted on the marketplace (by us or by staff there)
            vals["accept_state"] = "accepted"
            vals["accept_error"] = False
            self.activity_unlink([DECISION_ACTIVITY])
        if order.status in OrderStatus.SHIPPED_OR_LATER and self.ship_state != "done":
            vals["ship_state"] = "done"
            vals["ship_error"] = False

    def _schedule_decision_activity(self, order):
        backend = self.backend_id
        user = (
            backend.user_id
            or backend.team_id.user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        self.activity_schedule(
            DECISION_ACTIVITY,
            date_deadline=order.shipping_deadline.date()
            if order.shipping_deadline
            else None,
            summary=self.env._("Accept or refuse %s", order.external_id),
            note=self.env._(
                "The stock of warehouse %(warehouse)s does not cover this order.",
                warehouse=backend.warehouse_id.name,
            ),
            user_id=user.id if user else self.env.uid,
        )

    # ------------------------------------------------------------------
    # status out: acceptance and shipment
    # ------------------------------------------------------------------
    def _line_ids(self):
        order = self.backend_id._map_order(self._raw())
        return [line.external_id for line in order.lines]

    def _last_decisions(self):
        accept = self.accept_state != "refused"
        return dict.fromkeys(self._line_ids(), accept)

    def _queue_export(self, state_field, method, argument, description):
        """Queue a status export of this order (one pending job per action)."""
        self.ensure_one()
        self[state_field] = "pending"
        self.backend_id._enqueue(
            self,
            method,
            argument,
            priority=5,
            max_retries=15,
            identity_key=identity_exact,
            channel="root.marketplace.export",
            description=description,
        )

    def _queue_acceptance(self, decisions):
        values = {"backend": self.backend_id.name, "order": self.external_id}
        if any(decisions.values()):
            description = self.env._("%(backend)s: accept order %(order)s", **values)
        else:
            description = self.env._("%(backend)s: refuse order %(order)s", **values)
        self._queue_export(
            "accept_state", "_job_export_acceptance", decisions, description
        )

    def _job_export_acceptance(self, decisions):
        """Job: send the acceptance decision (runs as superuser: staff of any
        department may trigger it), in the company's language."""
        binding = in_company_lang(self.sudo(), self.company_id[:1] or None)
        return binding._export_acceptance(decisions)

    def _export_acceptance(self, decisions):
        """Send the acceptance decision (Mirakl OR21 and the like)."""
        self.ensure_one()
        backend = self.backend_id
        if self.accept_state in ("accepted", "refused"):
            return self.env._("Already sent.")
        accept = any(decisions.values())
        client = backend._get_client()
        with backend._map_errors(what=self.env._("Acceptance of %s", self.external_id)):
            try:
                outcome = client.accept_order(self.external_id, decisions)
            except (mp_errors.RemoteError, mp_errors.NotFound) as err:
                self._export_failed("accept", err)
                return str(err)
        self.write(
            {
                "accept_state": "accepted" if accept else "refused",
                "accept_error": False,
            }
        )
        message = (
            self.env._("Order accepted on the marketplace.")
            if accept
            else self.env._("Order refused on the marketplace.")
        )
        if outcome == Outcome.ALREADY:
            message = self.env._("%s (it already was)", message)
        if self.sale_order_id:
            self.sale_order_id.message_post(body=message)
            if not accept and self.sale_order_id.state != "cancel":
                if self.sale_order_id.locked:
                    self.sale_order_id.action_unlock()
                self.sale_order_id.with_context(
                    disable_cancel_warning=True
                ).action_cancel()
        backend._log_event("info", f"{self.external_id}: {message}", binding=self)
        return message

    def _queue_shipment(self, picking):
        self._queue_export(
            "ship_state",
            "_job_export_shipment",
            picking,
            self.env._(
                "%(backend)s: ship order %(order)s",
                backend=self.backend_id.name,
                order=self.external_id,
            ),
        )

    def _picking_lines(self, picking):
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

    def _open_deliveries(self):
        return self.sale_order_id.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
        )

    def _shipped_picking(self):
        return self.sale_order_id.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        ).sorted("date_done")[-1:]

    def _job_export_shipment(self, picking):
        """Job: declare the shipment (runs as superuser: the warehouse user who
        validated the delivery may know nothing of marketplaces), in the
        company's language."""
        binding = in_company_lang(self.sudo(), self.company_id[:1] or None)
        return binding._export_shipment(picking.with_env(binding.env))

    def _export_shipment(self, picking):
        """Declare the shipment with carrier and tracking."""
        self.ensure_one()
        backend = self.backend_id
        each = backend._ships_each_delivery()
        if self.ship_state == "done" or (each and picking.mp_shipment_sent):
            return self.env._("Already sent.")
        mapping = (
            backend.carrier_mapping_ids.filtered(
                lambda m: m.carrier_id == picking.carrier_id
            )[:1]
            or backend.carrier_mapping_ids.filtered(lambda m: not m.carrier_id)[:1]
        )
        tracking = (picking.carrier_tracking_ref or "").strip() or None
        if mapping.tracking_required and not tracking:
            self._export_failed(
                "ship",
                self.env._(
                    "Delivery %(picking)s has no tracking number, which the "
                    "marketplace requires. Fill it in, then retry.",
                    picking=picking.name,
                ),
            )
            return self.env._("No tracking number.")
        if mapping:
            shipment = Shipment(
                tracking_number=tracking,
                carrier_code=mapping.marketplace_code or None,
                carrier_name=None
                if mapping.marketplace_code
                else (mapping.marketplace_name or picking.carrier_id.name or None),
                carrier_url=None
                if mapping.marketplace_code
                else mapping._tracking_url(tracking),
            )
        else:
            shipment = Shipment(
                tracking_number=tracking,
                carrier_name=picking.carrier_id.name or None,
                carrier_url=picking.carrier_tracking_url or None,
            )
        if each:
            declared = {}
            for other in self.sale_order_id.picking_ids.filtered(
                lambda p: p.mp_shipment_sent and p != picking
            ):
                for line_id, quantity in self._picking_lines(other).items():
                    declared[line_id] = declared.get(line_id, 0) + quantity
            shipment = dataclasses.replace(
                shipment, lines=self._picking_lines(picking), declared=declared
            )
        client = backend._get_client()
        with backend._map_errors(what=self.env._("Shipment of %s", self.external_id)):
            try:
                outcome = client.ship_order(self.external_id, shipment)
            except (mp_errors.RemoteError, mp_errors.NotFound) as err:
                self._export_failed("ship", err, picking)
                return str(err)
        state = "done"
        if each:
            picking.mp_shipment_sent = True
            if self._open_deliveries():
                state = "partial"
        self.write({"ship_state": state, "ship_error": False})
        message = self.env._(
            "Shipment of %(picking)s declared on the marketplace (tracking "
            "%(tracking)s).",
            picking=picking.name,
            tracking=tracking or "-",
        )
        if outcome == Outcome.ALREADY:
            message = self.env._("%s It already was shipped there.", message)
        picking.message_post(body=message)
        backend._log_event("info", f"{self.external_id}: {message}", binding=self)
        return message

    def _export_failed(self, what, error, picking=None):
        message = str(error)
        field = "accept" if what == "accept" else "ship"
        self.write({f"{field}_state": "error", f"{field}_error": message})
        self.backend_id._log_event(
            "error",
            f"{self.external_id}: {message}",
            binding=self,
            event_type="export_error",
        )
        if picking:
            picking.message_post(
                body=self.env._("The marketplace refused the shipment: %s", message)
            )

    # ------------------------------------------------------------------
    # re-download and replay on new products
    # ------------------------------------------------------------------
    def _job_refetch(self):
        """Job: download these orders again and process them."""
        return in_company_lang(self.sudo(), self.company_id[:1] or None)._refetch()

    def _refetch(self):
        """Download these orders again and process them."""
        backend = self.backend_id
        backend.ensure_one()
        backend._lock_order_store()
        client = backend._get_client()
        with backend._map_errors(what=self.env._("Order download")):
            raws = client.get_orders(self.mapped("external_id"))
        stats = self._store_raw_orders(backend, raws)
        # unchanged payloads in error are processed again too
        todo = stats["to_process"] | self.filtered(lambda b: b.state == "error")
        todo.write({"state": "new"})
        backend._enqueue_processing(todo)
        return self.env._("%s orders downloaded again.", len(raws))

    @api.model
    def _cron_process_orders(self):
        """Safety net: queue again orders stored but left unprocessed."""
        limit = fields.Datetime.now() - timedelta(minutes=15)
        bindings = self.sudo().search(
            [("state", "=", "new"), ("write_date", "<", limit)]
        )
        for backend in bindings.backend_id:
            in_company_lang(backend, backend.company_id)._enqueue_processing(
                bindings.filtered(lambda b, backend=backend: b.backend_id == backend)
            )

    @api.model
    def _replay_waiting_for(self, codes):
        """Queue again the orders waiting for one of these SKUs or EANs."""
        codes = [c for c in codes if c]
        if not codes:
            return
        missing = (
            self.env["mp.order.missing.sku"]
            .sudo()
            .search(["|", ("sku", "in", codes), ("ean", "in", codes)])
        )
        bindings = missing.binding_id.filtered(
            lambda b: b.state == "error" and b.error_kind == "product"
        )
        if not bindings:
            return
        bindings.write({"state": "new"})
        for backend in bindings.backend_id:
            in_company_lang(backend, backend.company_id)._enqueue_processing(
                bindings.filtered(lambda b, backend=backend: b.backend_id == backend)
            )


class MpOrderMissingSku(models.Model):
    """A product an order in error waits for."""

    _name = "mp.order.missing.sku"
    _description = "Marketplace Order Unknown Product"

    binding_id = fields.Many2one(
        "mp.order.binding", required=True, ondelete="cascade", index=True
    )
    sku = fields.Char(string="SKU", required=True, index=True)
    ean = fields.Char(string="EAN", index="btree_not_null")


class _ProcessContext:
    """Caches shared by the orders of one processing job."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.company = backend.company_id
        self.import_states = set(backend.import_state_ids.mapped("code"))
        self.pricelist = backend.pricelist_id
        self.prepared = []  # orders whose sale order is to be created
        self._claimed = {}  # SKU -> quantity accepted earlier in this batch
        self._currencies = {}
        self._products = {}
        self.taxes = TaxResolver(backend)
        self._countries = {}
        self._langs = None
        self._state_labels = {}
        self._utm = None

    # -- summary ----------------------------------------------------------
    def summary_vals(self, order):
        bindings = self.env["mp.order.binding"]
        code = order.currency
        if code not in self._currencies:
            self._currencies[code] = bindings._summary_vals(self.backend, order)[
                "currency_id"
            ]
        return bindings._summary_vals(
            self.backend, order, currency_id=self._currencies[code]
        )

    def state_label(self, code):
        if code not in self._state_labels:
            self._state_labels[code] = self.env["mp.order.binding"]._state_label(
                self.backend, code
            )
        return self._state_labels[code]

    # -- sales channel --------------------------------------------------------
    def utm_vals(self):
        """Source (the account) and medium (Marketplace) of the sale orders,
        so that sales reports split them by channel.

        The source is the account's, created with it (``_ensure_utm_source``):
        never here, where two workers processing orders of the same account
        would create it twice.
        """
        if self._utm is None:
            medium = self.env.ref(
                "mp_connector_base.utm_medium_marketplace", raise_if_not_found=False
            )
            self._utm = {
                "source_id": self.backend.sudo().utm_source_id.id,
                "medium_id": medium.id or False,
            }
        return self._utm

    # -- currency ---------------------------------------------------------
    def currency(self, code):
        expected = self.backend.currency_id
        if expected.name != code:
            raise OrderError(
                "config",
                self.env._(
                    "The order is in %(order)s but %(backend)s works in "
                    "%(backend_cur)s: set a pricelist in %(order)s on the account.",
                    order=code,
                    backend=self.backend.name,
                    backend_cur=expected.name,
                ),
            )
        return expected

    # -- products ---------------------------------------------------------
    def products_for(self, lines):
        """Map each line's SKU to a product: offer, then internal reference,
        then EAN, then the marketplace's product id."""
        result = {}
        missing = []
        unresolved = [line for line in lines if line.sku not in self._products]
        if unresolved:
            self._resolve(unresolved)
        for line in lines:
            product = self._products.get(line.sku)
            if product:
                result[line.sku] = product
            else:
                missing.append((line.sku, line.ean))
        if missing:
            raise OrderError(
                "product",
                self.env._(
                    "No product matches the SKU(s) %(skus)s. Link them to your "
                    "products or create the products: the order is then imported "
                    "by itself.",
                    skus=", ".join(sorted({sku for sku, _ean in missing})),
                ),
                missing=missing,
            )
        return result

    def _resolve(self, lines):
        env = self.env
        skus = {line.sku for line in lines}
        offers = env["mp.offer.binding"].search(
            [("backend_id", "=", self.backend.id), ("seller_sku", "in", list(skus))]
        )
        for offer in offers:
            if offer.product_id.active:
                self._products[offer.seller_sku] = offer.product_id
        todo = skus - set(self._products)
        if todo:
            products = env["product.product"].search(
                [
                    ("default_code", "in", list(todo)),
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "=", self.company.id),
                ]
            )
            by_code = {}
            for product in products:
                by_code.setdefault(product.default_code, []).append(product)
            for code, found in by_code.items():
                if len(found) > 1:
                    raise OrderError(
                        "product",
                        self.env._(
                            "SKU %(sku)s matches several products (%(names)s): "
                            "link it to the right one.",
                            sku=code,
                            names=", ".join(p.display_name for p in found),
                        ),
                        missing=[(code, False)],
                    )
                self._products[code] = found[0]
        for line in lines:
            if line.sku in self._products:
                continue
            product = None
            if line.ean:
                product = env["product.product"].search(
                    [("barcode", "=", line.ean)], limit=1
                )
            if not product and line.marketplace_product_id:
                product = (
                    env["mp.offer.binding"]
                    .search(
                        [
                            ("backend_id", "=", self.backend.id),
                            (
                                "marketplace_product_id",
                                "=",
                                line.marketplace_product_id,
                            ),
                        ],
                        limit=1,
                    )
                    .product_id
                )
            if product:
                self._products[line.sku] = product

    # -- savepoints ---------------------------------------------------------
    def checkpoint(self):
        """What the orders processed so far added to the batch.

        Records created for an order (its buyer, its addresses) exist only in
        the order's savepoint: nothing that refers to them may outlive a
        rollback of that savepoint. Partners are therefore never cached here
        (they are searched for in the database, which the rollback undid),
        and ``restore`` takes back what a rolled back order added.
        """
        return len(self.prepared), dict(self._claimed)

    def restore(self, checkpoint):
        count, claimed = checkpoint
        del self.prepared[count:]
        self._claimed = claimed

    # -- partners -----------------------------------------------------------
    def partners_for(self, customer):
        """Return (customer, invoice address, delivery address) partners.

        A buyer is one partner, with the billing address as its own; an
        invoice contact is added only when a later billing address differs,
        and the delivery address is a delivery contact, reused whenever the
        same address comes again.

        With one generic partner for the account, that partner is never
        written: it is the customer and the invoice address of every order,
        and each delivery address is a delivery contact under it.
        """
        backend = self.backend
        partners = self.env["res.partner"].with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mp_keep_parent_address=True,
        )
        billing = customer.billing_address or customer.shipping_address
        if backend.partner_strategy == "generic":
            commercial = backend.generic_partner_id
            invoice = commercial
        else:
            key = customer.external_id or "anonymous-" + billing.fingerprint()
            self._advisory_lock("buyer", key)
            binding = self.env["mp.partner.binding"].search(
                [("backend_id", "=", backend.id), ("external_id", "=", key)], limit=1
            )
            commercial = binding.partner_id
            if not commercial:
                commercial = partners.create(self._partner_vals(customer))
                self.env["mp.partner.binding"].create(
                    {
                        "backend_id": backend.id,
                        "external_id": key,
                        "partner_id": commercial.id,
                    }
                )
            invoice = commercial
            if commercial.mp_address_key != billing.fingerprint():
                invoice = self._address_partner(
                    partners, commercial, billing, "invoice"
                )
        shipping = self._address_partner(
            partners, commercial, customer.shipping_address, "delivery"
        )
        return commercial, invoice, shipping

    def _partner_vals(self, customer):
        address = customer.billing_address or customer.shipping_address
        vals = self._address_vals(address)
        vals.update(
            {
                "name": customer.company or customer.name,
                "is_company": bool(customer.company),
                "mp_address_key": address.fingerprint(),
                "email": customer.email or False,
                "vat": customer.vat or False,
                "company_id": self.company.id,
                "customer_rank": 1,
            }
        )
        lang = self._lang(customer.lang)
        if lang:
            vals["lang"] = lang
        return vals

    def _address_partner(self, partners, commercial, address, kind):
        key = address.fingerprint()
        self._advisory_lock("address", f"{commercial.id}-{kind}-{key}")
        existing = self.env["res.partner"].search(
            [
                ("parent_id", "=", commercial.id),
                ("type", "=", kind),
                ("mp_address_key", "=", key),
            ],
            limit=1,
        )
        if existing:
            return existing
        vals = self._address_vals(address)
        vals.update(
            {
                "parent_id": commercial.id,
                "type": kind,
                "name": address.name,
                "mp_address_key": key,
                "company_id": self.company.id,
            }
        )
        partner = partners.create(vals)
        if address.company:
            # the recipient's company, printed above the address; Odoo
            # empties it on the creation of a contact that has a parent
            partner.company_name = address.company
        return partner

    def _address_vals(self, address):
        return {
            "street": address.street,
            "street2": address.street2 or False,
            "zip": address.zip or False,
            "city": address.city,
            "country_id": self._country(address.country_code).id or False,
            "phone": address.phone or False,
            "mobile": address.mobile or False,
        }

    def delivery_instructions(self, order):
        """What the buyer said about the delivery, as one text: the
        address's additional information (door code, floor...), the order's
        delivery instructions and a business address's type."""
        address = order.customer.shipping_address
        parts = [address.additional_info, order.delivery_instructions]
        if address.address_type == "commercial":
            parts.append(self.env._("Business address (delivery during opening hours)"))
        text = "\n".join(part.strip() for part in parts if part and part.strip())
        return text or False

    def _country(self, code):
        if code not in self._countries:
            self._countries[code] = self.env["res.country"].search(
                [("code", "=", code)], limit=1
            )
        return self._countries[code]

    def _lang(self, locale):
        if self._langs is None:
            self._langs = {code for code, _name in self.env["res.lang"].get_installed()}
        if locale and locale in self._langs:
            return locale
        return None

    def _advisory_lock(self, kind, key):
        """Transaction lock on (account, kind, key), or ``Busy``."""
        digest = hashlib.sha1(f"mp:{self.backend.id}:{kind}:{key}".encode()).digest()
        lock_id = int.from_bytes(digest[:8], "big", signed=True)
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", lock_id))
        if not self.env.cr.fetchone()[0]:
            raise Busy(key)

    # -- acceptance ---------------------------------------------------------
    def acceptance(self, order, products):
        mode = self.backend.accept_mode
        if mode == "manual":
            return None
        if mode == "always":
            return {line.external_id: True for line in order.lines}
        warehouse = self.backend.warehouse_id
        available = {}
        for sku, product in products.items():
            product = product.with_context(warehouse_id=warehouse.id)
            product.invalidate_recordset(["free_qty"])
            # orders accepted earlier in this batch are not reserved yet
            available[sku] = product.free_qty - self._claimed.get(sku, 0)
        decisions = acceptance_decisions(order, available)
        if decisions:
            for line in order.lines:
                self._claimed[line.sku] = self._claimed.get(line.sku, 0) + line.quantity
        return decisions


# PostgreSQL's jsonb cannot hold a NUL character (\u0000): a payload with
# one is kept as its JSON text, where the NUL stays escaped
RAW_JSON_KEY = "mphub_raw_json"


def _storable(raw):
    """``raw`` as the ``raw_payload`` column can store it, losing nothing."""
    text = json.dumps(raw)
    if "\\u0000" in text or RAW_JSON_KEY in text:
        return {RAW_JSON_KEY: text}
    return raw


def _naive(value):
    if not value:
        return False
    return value.astimezone(timezone.utc).replace(tzinfo=None)
