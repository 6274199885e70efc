import json
import logging
import traceback
from datetime import timedelta

from mphub.canonical import OrderStatus
from psycopg2 import Error as DatabaseError

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.order_activities import schedule_error_activity
from ..services.order_errors import (
    TRANSIENT_DB_ERRORS,
    OrderError,
    database_error_reason,
)
from ..services.order_processor import OrderProcessor
from ..services.order_replay import log_queued, log_replay, replay_toast, toast
from ..services.order_store import OrderStore, stored
from ..services.sale_order_builder import finish_sale_order
from ..services.status_export import DECISION_ACTIVITY, StatusExport
from ..services.stored_text import in_company_lang
from .mp_marketplace_state import STATUS_SELECTION

_logger = logging.getLogger(__name__)

# a user's replay of up to this many orders runs at once, with its outcome
# on screen; more go to the queue
REPLAY_NOW_LIMIT = 20


class MpOrderBinding(models.Model):
    """A marketplace order, from its raw payload to its sale order.

    The raw payload is stored first (state ``new``), then processed into a
    confirmed sale order (``done``), or kept aside with the reason
    (``error``), or recorded without a sale order (``skipped``, e.g. orders
    first seen already closed). One binding per account and marketplace
    order id, whatever the number of imports and workers.
    """

    _name = "mp.order.binding"
    _inherit = ["mp.binding.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Marketplace Order"
    _order = "marketplace_created_at desc, id desc"
    _rec_name = "external_id"

    backend_id = fields.Many2one(ondelete="restrict")
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
        """The payload as the marketplace sent it (see
        ``services/order_store.storable``)."""
        self.ensure_one()
        return stored(self.raw_payload)

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
            todo.sudo()._enqueue_processing()
            for bindings in todo.sudo()._in_company_langs():
                log_queued(bindings, user)
            return toast(
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
            log_replay(bindings, user)
        return replay_toast(todo)

    def action_refetch(self):
        """Download the orders again from the marketplace, then process them."""
        self.check_access("write")
        for backend, bindings in self._mp_by_backend():
            backend = in_company_lang(backend.sudo(), backend.company_id)
            backend._enqueue(
                bindings.sudo(),
                "_job_refetch",
                preset="refetch_orders",
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
        return toast(
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
        return toast(self.env._("Decision sent"), message, "success")

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
            StatusExport(binding.sudo()).queue_acceptance(dict.fromkeys(lines, accept))
            binding.activity_feedback(
                [DECISION_ACTIVITY],
                feedback=self.env._("Accepted") if accept else self.env._("Refused"),
            )

    def action_retry_export(self):
        """Send again an acceptance or a shipment that failed."""
        self.check_access("write")
        for bindings in self.sudo()._in_company_langs():
            for binding in bindings:
                export = StatusExport(binding)
                if binding.accept_state == "error":
                    decisions = export.last_decisions()
                    if decisions:
                        export.queue_acceptance(decisions)
                if binding.ship_state == "error":
                    picking = export.shipped_picking()
                    if picking:
                        export.queue_shipment(picking)
        return toast(
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
    # store: raw payloads first (services/order_store.py)
    # ------------------------------------------------------------------
    @api.model
    def _store_raw_orders(self, backend, raw_orders):
        """Upsert the raw payloads of one page; return counts and, under
        ``to_process``, the bindings that need processing.

        A payload identical to the stored one changes nothing (overlapping
        windows cost nothing). A payload that cannot be mapped is stored in
        error with every reason.
        """
        # the reasons stored are in the account's company language
        backend = in_company_lang(backend.with_env(self.env), backend.company_id)
        return OrderStore(backend).store(raw_orders)

    # ------------------------------------------------------------------
    # process: payload -> sale order (services/order_processor.py)
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
        summaries = []
        for backend, bindings in self._mp_by_backend():
            backend = in_company_lang(
                backend.with_company(backend.company_id), backend.company_id
            )
            counts = OrderProcessor(backend).run(
                bindings.with_env(backend.env), parent_run=parent_run, force=force
            )
            summaries.append(
                backend.env._(
                    "%(backend)s: %(done)s done, %(skipped)s skipped, %(error)s in "
                    "error, %(busy)s postponed",
                    backend=backend.name,
                    **counts,
                )
            )
        return "; ".join(summaries)

    def _process(self, context):
        """Process this binding within the processing job ``context`` (an
        ``OrderProcessor``); returns its outcome."""
        return context.process(self)

    def _prepare_sale_order(self, order, context, vals):
        """Hook: the ``PreparedOrder`` of ``order`` (its sale order values
        in ``sale_vals``), built by the job's ``SaleOrderBuilder``."""
        return context.builder.prepare(self, order, vals)

    def _finish_sale_order(self, item, sale_order):
        """Hook: bind ``sale_order``, just created for ``item``; the buyer
        messages waiting for the order are posted in its chatter."""
        result = finish_sale_order(self, item, sale_order)
        self.env["mp.customer.message"]._link_orders(self)
        return result

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
            reason = database_error_reason(self.env, err)
            details = f"{type(err).__name__}: {err}"
            self._set_error("other", reason, (), run, details=details)
        else:  # a bug must not block the other orders
            _logger.exception("Marketplace order %s failed", self.external_id)
            reason = self.env._(
                "An unexpected error stopped the import of this order. "
                "Replay it; should it fail again, a manager finds the "
                "technical details on the order (error %(error)s).",
                error=type(err).__name__,
            )
            details = "".join(
                traceback.format_exception(type(err), err, err.__traceback__)
            )
            self._set_error("other", reason, (), run, details=details)
        return "error"

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
        schedule_error_activity(self.sudo(), update=changed)

    # ------------------------------------------------------------------
    # status out: acceptance and shipment (services/status_export.py)
    # ------------------------------------------------------------------
    def _line_ids(self):
        return StatusExport(self).line_ids()

    def _queue_acceptance(self, decisions):
        StatusExport(self).queue_acceptance(decisions)

    def _queue_shipment(self, picking):
        StatusExport(self).queue_shipment(picking)

    def _job_export_acceptance(self, decisions):
        """Job: send the acceptance decision (runs as superuser: staff of any
        department may trigger it), in the company's language."""
        binding = in_company_lang(self.sudo(), self.company_id[:1] or None)
        return StatusExport(binding).export_acceptance(decisions)

    def _job_export_shipment(self, picking):
        """Job: declare the shipment (runs as superuser: the warehouse user who
        validated the delivery may know nothing of marketplaces), in the
        company's language."""
        binding = in_company_lang(self.sudo(), self.company_id[:1] or None)
        return StatusExport(binding).export_shipment(picking.with_env(binding.env))

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
        bindings._enqueue_processing()

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
        bindings._enqueue_processing()

    def _enqueue_processing(self):
        """Queue the processing of these bindings, account by account, in
        each account's company language (job descriptions are stored)."""
        for backend, bindings in self._mp_by_backend():
            in_company_lang(backend, backend.company_id)._enqueue_processing(bindings)
