import contextlib
import hashlib
import json
import logging
import threading
from datetime import datetime, time, timedelta, timezone

import cachetools
import pytz
from markupsafe import Markup
from mphub import errors as mp_errors
from mphub.retry import backoff_seconds
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.modules import module as odoo_module
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..services.stored_text import in_company_lang

_logger = logging.getLogger(__name__)

# Clients are built lazily from the backend's settings and kept for a while:
# their HTTP session keeps connections open between jobs. One per thread,
# since a requests session is not meant to be shared across threads.
_CLIENTS = cachetools.TTLCache(maxsize=256, ttl=900)
_CLIENTS_LOCK = threading.Lock()

# Set to a list by tests running jobs in their transaction: events that must
# survive a job's rollback are kept there instead of a transaction of their own.
DETACHED_EVENTS = None

# PostgreSQL errors meaning "someone else is working on this row now"
LOCK_ERRORS = (
    pg_errors.LockNotAvailable,
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
)

# an account without a good import for this long (or three runs of the
# import cron, if longer) needs a look
STALE_IMPORT_MIN = timedelta(hours=2)
CRON_MINUTES = {
    "minutes": 1,
    "hours": 60,
    "days": 1440,
    "weeks": 10080,
    "months": 43200,
}


class MpBackend(models.Model):
    _name = "mp.backend"
    _description = "Marketplace Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    backend_type = fields.Selection(
        selection=[],
        string="Marketplace",
        required=True,
        tracking=True,
        help="The marketplace API this account speaks; each connector module "
        "adds its own.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    color = fields.Integer()
    # -- connection ------------------------------------------------------
    endpoint_url = fields.Char(
        string="Endpoint URL",
        tracking=True,
        help="Base URL of the marketplace API (or of the local sandbox).",
    )
    api_key = fields.Char(
        string="API Key",
        copy=False,
        groups="mp_connector_base.group_mp_connector_base_manager",
        help="Secret credential of the account. Only managers can read it; it "
        "is never written to logs or to the chatter.",
    )
    api_key_set = fields.Boolean(
        string="API Key Set",
        compute="_compute_api_key_set",
        help="Whether a key is stored, without revealing it.",
    )
    request_timeout = fields.Integer(
        string="Request Timeout (s)",
        default=30,
        help="Seconds to wait for the marketplace's answer to one request.",
    )
    retry_base_delay = fields.Integer(
        string="Retry Delay (s)",
        default=10,
        help="First delay before retrying a call that failed for a transient "
        "reason (timeout, server error); it doubles on each retry. A delay "
        "asked for by the marketplace (Retry-After) wins.",
    )
    # -- orders: where they land -------------------------------------------
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
        tracking=True,
        help="Warehouse shipping this account's orders.",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", check_company=True, tracking=True
    )
    utm_source_id = fields.Many2one(
        "utm.source",
        string="Source",
        help="UTM source of this account's sale orders (medium: Marketplace), "
        "so that sales reports split them by channel. Created with the account.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain="[('share', '=', False)]",
        tracking=True,
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        tracking=True,
        help="Pricelist set on imported orders; its currency must be the "
        "marketplace's. Prices themselves come from the marketplace.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        help="Currency of the account's orders.",
    )
    fiscal_position_id = fields.Many2one(
        "account.fiscal.position", check_company=True, tracking=True
    )
    partner_strategy = fields.Selection(
        [
            ("buyer", "A partner per buyer"),
            ("generic", "One generic partner"),
        ],
        string="Customers",
        default="buyer",
        required=True,
        help="A partner per buyer: each marketplace buyer becomes a partner "
        "with invoice and delivery addresses. One generic partner: every order "
        "is sold to the partner below, with the buyer's delivery address as a "
        "child contact.",
    )
    generic_partner_id = fields.Many2one(
        "res.partner", string="Generic Customer", check_company=True
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        required=True,
        default=lambda self: self.env.ref(
            "mp_connector_base.product_marketplace_shipping", raise_if_not_found=False
        ),
        help="Product of the shipping lines of imported orders.",
    )
    discount_product_id = fields.Many2one(
        "product.product",
        string="Promotion Product",
        default=lambda self: self.env.ref(
            "mp_connector_base.product_marketplace_discount", raise_if_not_found=False
        ),
        help="Product of the lines carrying the promotions the marketplace "
        "granted on imported orders.",
    )
    gift_wrap_product_id = fields.Many2one(
        "product.product",
        string="Gift Wrapping Product",
        default=lambda self: self.env.ref(
            "mp_connector_base.product_marketplace_gift_wrap", raise_if_not_found=False
        ),
        help="Product of the lines carrying the gift wrapping customers paid for "
        "on imported orders.",
    )
    # -- orders: workflow --------------------------------------------------
    import_orders = fields.Boolean(default=True, tracking=True)
    import_state_ids = fields.Many2many(
        "mp.marketplace.state",
        string="Imported States",
        domain="[('backend_type', '=', backend_type)]",
        help="An order first seen in one of these marketplace states becomes a "
        "sale order. Orders first seen in another state are recorded and "
        "skipped. Updates of orders already imported are always applied.",
    )
    auto_confirm = fields.Boolean(
        string="Confirm Orders",
        default=True,
        help="Confirm the sale order as soon as it is imported.",
    )
    accept_mode = fields.Selection(
        [
            ("manual", "Staff decide"),
            ("stock", "Accept when stock covers the order"),
            ("always", "Always accept"),
        ],
        string="Acceptance",
        default="stock",
        required=True,
        help="How orders waiting for the seller's acceptance are answered. "
        "When stock does not cover an order, staff get an activity to accept "
        "or refuse it.",
    )
    import_from = fields.Datetime(
        string="Import Orders Updated Since",
        default=lambda self: fields.Datetime.now() - timedelta(days=7),
        help="Start of the first import; later imports continue from the cursor.",
    )
    import_cursor = fields.Datetime(
        string="Imported Up To",
        readonly=True,
        copy=False,
        help="Every order updated before this time has been stored. The next "
        "import asks for orders updated since this time minus the overlap.",
    )
    import_overlap_minutes = fields.Integer(
        string="Overlap (min)",
        default=10,
        help="Each import asks again for the last minutes before the cursor, "
        "so that late updates on the marketplace side are not missed. "
        "Orders seen twice cost nothing.",
    )
    batch_size = fields.Integer(
        string="Orders per Job",
        default=20,
        help="Number of orders processed together in one job.",
    )
    carrier_mapping_ids = fields.One2many(
        "mp.carrier.mapping", "backend_id", string="Carriers"
    )
    tax_mapping_ids = fields.One2many(
        "mp.tax.mapping",
        "backend_id",
        help="Sales taxes of the marketplace's tax codes. Taxes of order lines "
        "are chosen from the product's taxes (through the fiscal position), "
        "then these codes or the rate the marketplace states, then the sales "
        "taxes of the destination country, the first that agrees with the "
        "tax amount the marketplace charged.",
    )
    # -- health ------------------------------------------------------------
    failure_alert_threshold = fields.Integer(
        string="Alert After Failures",
        default=3,
        help="Managers get an activity when this many import runs in a row "
        "have failed.",
    )
    consecutive_failures = fields.Integer(readonly=True, copy=False)
    last_import_date = fields.Datetime(
        string="Last Good Import", readonly=True, copy=False
    )
    last_failure_date = fields.Datetime(readonly=True, copy=False)
    last_failure_message = fields.Text(readonly=True, copy=False)
    health_state = fields.Selection(
        [("ok", "OK"), ("warning", "Warning"), ("error", "Error")],
        string="Health",
        compute="_compute_health",
    )
    health_reason = fields.Char(
        string="Why",
        compute="_compute_health",
        help="What makes the account healthy or not: failed imports, orders "
        "or exports in error, jobs failed or stuck, imports that stopped.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    order_count = fields.Integer(string="Orders", compute="_compute_order_stats")
    order_today_count = fields.Integer(
        string="Ordered Today",
        compute="_compute_order_stats",
        help="Orders the customers placed on the marketplace today (in your "
        "time zone), whenever they were imported.",
    )
    revenue_today = fields.Monetary(
        currency_field="company_currency_id",
        compute="_compute_order_stats",
        help="Total, taxes included, of the sale orders of the orders placed "
        "today, in the company's currency.",
    )
    order_week_count = fields.Integer(
        string="Ordered in the Last 7 Days",
        compute="_compute_order_stats",
        help="Orders placed today and in the six days before.",
    )
    revenue_week = fields.Monetary(
        string="Revenue of the Last 7 Days",
        currency_field="company_currency_id",
        compute="_compute_order_stats",
    )
    order_error_count = fields.Integer(
        string="Orders in Error", compute="_compute_health"
    )
    order_pending_count = fields.Integer(
        string="Orders Waiting", compute="_compute_health"
    )
    order_to_decide_count = fields.Integer(
        string="Orders to Accept", compute="_compute_health"
    )
    export_error_count = fields.Integer(
        string="Status Exports in Error", compute="_compute_health"
    )
    failed_job_count = fields.Integer(string="Failed Jobs", compute="_compute_health")
    stuck_job_count = fields.Integer(string="Stuck Jobs", compute="_compute_health")

    _sql_constraints = [
        (
            "batch_size_positive",
            "CHECK(batch_size > 0)",
            "The number of orders per job must be positive.",
        ),
    ]

    # ------------------------------------------------------------------
    # computes and constraints
    # ------------------------------------------------------------------
    def _compute_api_key_set(self):
        for backend, key in zip(self, self.sudo().mapped("api_key"), strict=True):
            backend.api_key_set = bool(key)

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for backend in self:
            backend.currency_id = (
                backend.pricelist_id.currency_id or backend.company_id.currency_id
            )

    def _start_of_today(self, days_before=0):
        """Midnight of the user's today (their time zone), or of ``days_before``
        days earlier, as a naive UTC datetime to compare with stored ones."""
        try:
            tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        local_day = datetime.now(tz).date() - timedelta(days=days_before)
        midnight = tz.localize(datetime.combine(local_day, time.min))
        return midnight.astimezone(timezone.utc).replace(tzinfo=None)

    def _placed_domain(self, days_before=0):
        """Orders placed on the marketplace from midnight ``days_before`` days
        ago to the end of the user's today (as the "Ordered Today" filter of
        the orders' search view), whatever became of them."""
        start = fields.Datetime.to_string(self._start_of_today(days_before))
        end = fields.Datetime.to_string(self._start_of_today(-1))
        return [
            ("marketplace_created_at", ">=", start),
            ("marketplace_created_at", "<", end),
        ]

    def _count_by_backend(self, model, domain, field="backend_id"):
        groups = model._read_group(
            domain + [(field, "in", self.ids)], [field], ["__count"]
        )
        return {backend.id: count for backend, count in groups}

    def _revenue_by_backend(self, placed_domain):
        """Sum of the sale orders of the orders of ``placed_domain``, per
        account, in the company's currency."""
        orders = self.env["sale.order"].sudo()
        groups = orders._read_group(
            [
                ("mp_backend_id", "in", self.ids),
                ("state", "!=", "cancel"),
                ("mp_binding_ids", "any", placed_domain),
            ],
            ["mp_backend_id", "currency_id"],
            ["amount_total:sum"],
        )
        today = fields.Date.context_today(self)
        revenue = {}
        for backend, currency, amount in groups:
            company = backend.company_id
            if currency and currency != company.currency_id:
                amount = currency._convert(amount, company.currency_id, company, today)
            revenue[backend.id] = revenue.get(backend.id, 0.0) + amount
        return revenue

    def _compute_order_stats(self):
        bindings = self.env["mp.order.binding"].sudo()
        counts = self._count_by_backend(bindings, [])
        today_domain = self._placed_domain()
        week_domain = self._placed_domain(days_before=6)
        today_counts = self._count_by_backend(bindings, today_domain)
        week_counts = self._count_by_backend(bindings, week_domain)
        today_revenue = self._revenue_by_backend(today_domain)
        week_revenue = self._revenue_by_backend(week_domain)
        for backend in self:
            backend.order_count = counts.get(backend.id, 0)
            backend.order_today_count = today_counts.get(backend.id, 0)
            backend.order_week_count = week_counts.get(backend.id, 0)
            backend.revenue_today = today_revenue.get(backend.id, 0.0)
            backend.revenue_week = week_revenue.get(backend.id, 0.0)

    def _compute_health(self):
        bindings = self.env["mp.order.binding"].sudo()
        count = self._count_by_backend
        error_counts = count(bindings, [("state", "=", "error")])
        pending_counts = count(bindings, [("state", "=", "new")])
        decide_counts = count(bindings, [("accept_state", "=", "to_decide")])
        export_error_counts = count(
            bindings,
            ["|", ("accept_state", "=", "error"), ("ship_state", "=", "error")],
        )
        jobs = self.env["queue.job"].sudo()
        failed_counts = count(jobs, [("state", "=", "failed")], "mp_backend_id")
        stuck_counts = count(jobs, self._stuck_jobs_domain(), "mp_backend_id")
        stale_after = self._stale_import_delay()
        for backend in self:
            backend.order_error_count = error_counts.get(backend.id, 0)
            backend.order_pending_count = pending_counts.get(backend.id, 0)
            backend.order_to_decide_count = decide_counts.get(backend.id, 0)
            backend.export_error_count = export_error_counts.get(backend.id, 0)
            backend.failed_job_count = failed_counts.get(backend.id, 0)
            backend.stuck_job_count = stuck_counts.get(backend.id, 0)
            state, reason = backend._health(stale_after)
            backend.health_state = state
            backend.health_reason = reason

    def _health(self, stale_after):
        """``(state, reason)`` of the account, from the counts computed by
        ``_compute_health``: the problems, worst first, in a few words."""
        self.ensure_one()
        _ = self.env._
        now = fields.Datetime.now()
        errors, warnings = [], []
        if self.consecutive_failures:
            if self.last_failure_date:
                errors.append(
                    _(
                        "last import failed %(duration)s ago: %(reason)s",
                        duration=self._format_duration(now - self.last_failure_date),
                        reason=self._short_failure_reason(),
                    )
                )
            else:
                errors.append(
                    _(
                        "last import failed: %(reason)s",
                        reason=self._short_failure_reason(),
                    )
                )
        if self.failed_job_count:
            errors.append(
                _("1 failed job")
                if self.failed_job_count == 1
                else _("%s failed jobs", self.failed_job_count)
            )
        if self.order_error_count:
            warnings.append(
                _("1 order in error")
                if self.order_error_count == 1
                else _("%s orders in error", self.order_error_count)
            )
        if self.export_error_count:
            warnings.append(
                _("1 status export in error")
                if self.export_error_count == 1
                else _("%s status exports in error", self.export_error_count)
            )
        if self.stuck_job_count:
            warnings.append(
                _("1 job stuck")
                if self.stuck_job_count == 1
                else _("%s jobs stuck", self.stuck_job_count)
            )
        if self.import_orders and self.active and not self.consecutive_failures:
            since = self.last_import_date or self.create_date
            if since and now - since > stale_after:
                warnings.append(
                    _(
                        "no import for %s",
                        self._format_duration(now - since),
                    )
                    if self.last_import_date
                    else _("no import yet")
                )
        problems = errors + warnings
        if problems:
            reason = "; ".join(problems)
            return ("error" if errors else "warning"), reason[:1].upper() + reason[1:]
        if not self.import_orders or not self.active:
            return "ok", _("Order import is turned off")
        if not self.last_import_date:
            return "ok", _("Waiting for the first import")
        return "ok", _(
            "Last import %s ago", self._format_duration(now - self.last_import_date)
        )

    def _format_duration(self, delta):
        """A duration as a person says it: "5 min", "6 h", "3 days"."""
        minutes = int(delta.total_seconds() // 60)
        if minutes < 1:
            return self.env._("less than a minute")
        if minutes < 60:
            return self.env._("%s min", minutes)
        hours = minutes // 60
        if hours < 48:
            return self.env._("%s h", hours)
        return self.env._("%s days", hours // 24)

    def _short_failure_reason(self, size=80):
        """The first line of the last failure, without the account's name."""
        message = (self.last_failure_message or "").strip().splitlines()
        reason = message[0].strip() if message else self.env._("unknown reason")
        prefix = f"{self.name}: "
        if reason.startswith(prefix):
            reason = reason[len(prefix) :]
        reason = reason.rstrip(" .")
        if len(reason) > size:
            reason = reason[: size - 1].rstrip() + "…"
        return reason

    @api.model
    def _stale_import_delay(self):
        """How long without a good import before the account needs a look:
        three runs of the import cron, two hours at least."""
        delay = STALE_IMPORT_MIN
        cron = self.env.ref(
            "mp_connector_base.ir_cron_import_orders", raise_if_not_found=False
        )
        if cron:
            cron = cron.sudo()
            minutes = CRON_MINUTES.get(cron.interval_type, 0) * cron.interval_number
            delay = max(delay, timedelta(minutes=3 * minutes))
        return delay

    @api.constrains("partner_strategy", "generic_partner_id")
    def _check_generic_partner(self):
        for backend in self:
            if backend.partner_strategy == "generic" and not backend.generic_partner_id:
                raise ValidationError(
                    self.env._(
                        "Account %(name)s sells to one generic customer: choose it.",
                        name=backend.name,
                    )
                )

    @api.constrains("endpoint_url")
    def _check_endpoint_url(self):
        for backend in self:
            url = backend.endpoint_url
            if url and not url.startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._("The endpoint URL must start with http:// or https://.")
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def _mp_secret_fields(self):
        """Credential fields of the account; connectors add theirs."""
        return ["api_key"]

    def _mp_clean_secrets(self, vals):
        """``vals`` with its credentials stripped: a key pasted with a
        trailing newline or spaces is stored as the marketplace knows it."""
        for name in self._mp_secret_fields():
            if isinstance(vals.get(name), str):
                vals[name] = vals[name].strip() or False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._mp_clean_secrets(vals)
        backends = super().create(vals_list)
        backends._ensure_utm_source()
        return backends

    def _ensure_utm_source(self):
        """Give each account its UTM source (named after it).

        Done when the account is created and when its imports are scheduled,
        never by the order processing jobs: two of them creating the same
        source at once would break utm.source's unique name.
        """
        for backend in self.filtered(lambda b: not b.utm_source_id):
            backend.sudo().utm_source_id = (
                self.env["utm.mixin"]
                .sudo()
                ._find_or_create_record("utm.source", backend.name)
            )

    def write(self, vals):
        res = super().write(self._mp_clean_secrets(dict(vals)))
        if "active" in vals and not vals["active"]:
            self._drop_clients()
        return res

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_test_connection(self):
        self.ensure_one()
        client = self._get_client()
        with self._map_errors(interactive=True):
            info = client.test_connection()
        account = info.get("name") or info.get("id")
        if account and account != self.name:
            message = self.env._(
                "%(backend)s is connected to the marketplace, as %(account)s.",
                backend=self.name,
                account=account,
            )
        else:
            message = self.env._(
                "%(backend)s is connected to the marketplace.", backend=self.name
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Connection successful"),
                "message": message,
                "sticky": False,
            },
        }

    def action_import_orders(self):
        self.ensure_one()
        if not self.import_orders:
            raise UserError(self.env._("Order import is disabled on %s.", self.name))
        backend = in_company_lang(self, self.company_id)
        if backend._import_in_progress():
            raise UserError(
                self.env._(
                    "An order import of %s is already running; follow it in the "
                    "journal.",
                    self.name,
                )
            )
        backend._schedule_import_orders()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Import queued"),
                "message": self.env._(
                    "The order import of %(backend)s runs in the background; "
                    "follow it in the journal.",
                    backend=self.name,
                ),
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_reset_cursor(self):
        """Forget the cursor: the next import starts again from 'import_from'."""
        for backend in self:
            backend.import_cursor = False
            backend = in_company_lang(backend, backend.company_id)
            backend.message_post(
                body=backend.env._(
                    "Import cursor reset by %s: the next import asks again for "
                    "every order updated since the start date of the imports.",
                    self.env.user.name,
                )
            )

    def _open_list(
        self,
        xmlid,
        name,
        filters=(),
        domain=None,
        help_text=None,
        account_field="backend_id",
    ):
        """The list of ``xmlid``'s records of this account, titled ``name``.

        The account and ``filters`` (names of filters of the list's search
        view) are preselected in the search bar, where the user sees and can
        remove them; ``domain`` is only for conditions no filter expresses.
        """
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        context = {f"search_default_{account_field}": self.id}
        if account_field == "backend_id":
            context["default_backend_id"] = self.id
        context.update({f"search_default_{filter_}": 1 for filter_ in filters})
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": domain or [],
                "context": context,
            }
        )
        if help_text:
            action["help"] = help_text
        return action

    def _open_bindings(self, name, filters=(), domain=None, help_text=None):
        return self._open_list(
            "mp_connector_base.mp_order_binding_action",
            name,
            filters=filters,
            domain=domain,
            help_text=help_text,
        )

    def _nocontent(self, title, text):
        return Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
            title,
            text,
        )

    def action_open_orders(self):
        return self._open_bindings(self.env._("Orders - %s", self.name))

    def action_open_orders_today(self):
        return self._open_bindings(
            self.env._("Orders placed today - %s", self.name),
            filters=["filter_today"],
            help_text=self._nocontent(
                self.env._("No order placed today yet"),
                self.env._(
                    "Orders appear here once imported; the account imports them "
                    "every few minutes, or use Import Orders Now on the account."
                ),
            ),
        )

    def action_open_orders_week(self):
        # the search view has no "last 7 days" filter: the week is a domain
        return self._open_bindings(
            self.env._("Orders of the last 7 days - %s", self.name),
            domain=self._placed_domain(days_before=6),
        )

    def action_open_errors(self):
        return self._open_bindings(
            self.env._("Orders in error - %s", self.name),
            filters=["filter_error"],
            help_text=self._nocontent(
                self.env._("No order in error"),
                self.env._(
                    "An order that cannot be imported waits here with its reason; "
                    "fix the cause (product, tax, configuration) and replay it."
                ),
            ),
        )

    def action_open_pending(self):
        return self._open_bindings(
            self.env._("Orders waiting to be processed - %s", self.name),
            filters=["filter_pending"],
            help_text=self._nocontent(
                self.env._("No order waiting"),
                self.env._(
                    "Imported orders wait here a few moments until they become "
                    "sale orders."
                ),
            ),
        )

    def action_open_to_decide(self):
        return self._open_bindings(
            self.env._("Orders to accept or refuse - %s", self.name),
            filters=["filter_to_accept"],
            help_text=self._nocontent(
                self.env._("No order to accept"),
                self.env._(
                    "Orders the stock does not cover wait here: open one to accept "
                    "or refuse it on the marketplace."
                ),
            ),
        )

    def action_open_export_errors(self):
        return self._open_bindings(
            self.env._("Status exports in error - %s", self.name),
            filters=["filter_export_error"],
            help_text=self._nocontent(
                self.env._("No status export in error"),
                self.env._(
                    "When the marketplace refuses an acceptance or a shipment "
                    "confirmation, the order waits here: fix it, then Retry "
                    "Status Export."
                ),
            ),
        )

    def action_open_runs(self):
        return self._open_list(
            "mp_connector_base.mp_sync_run_action",
            self.env._("Journal - %s", self.name),
            filters=["not_processing"],
        )

    def action_open_failed_runs(self):
        return self._open_list(
            "mp_connector_base.mp_sync_run_action",
            self.env._("Failed runs - %s", self.name),
            filters=["failed"],
        )

    def _open_jobs(self, name, filters=(), domain=None):
        return self._open_list(
            "mp_connector_base.queue_job_action",
            name,
            filters=filters,
            domain=domain,
            account_field="mp_backend_id",
        )

    def action_open_failed_jobs(self):
        return self._open_jobs(
            self.env._("Failed jobs - %s", self.name), filters=["failed"]
        )

    def action_open_stuck_jobs(self):
        # "stuck" depends on a setting: no filter of the search view says it
        return self._open_jobs(
            self.env._("Stuck jobs - %s", self.name),
            domain=self._stuck_jobs_domain(),
        )

    # ------------------------------------------------------------------
    # client and error mapping
    # ------------------------------------------------------------------
    def _client_settings(self):
        """Plain values the client is built from; connectors add theirs."""
        self.ensure_one()
        backend = self.sudo()
        return {
            "backend_type": backend.backend_type,
            "endpoint_url": (backend.endpoint_url or "").strip(),
            "api_key": (backend.api_key or "").strip(),
            "timeout": backend.request_timeout or 30,
        }

    def _build_client(self, settings):
        """Return the ``mphub`` client of this account's marketplace.

        Each connector module handles its own ``backend_type``.
        """
        raise UserError(
            self.env._(
                "No connector is installed for the marketplace of %(name)s.",
                name=self.name,
            )
        )

    def _get_client(self):
        self.ensure_one()
        settings = self._client_settings()
        fingerprint = hashlib.sha256(
            json.dumps(settings, sort_keys=True, default=str).encode()
        ).hexdigest()
        key = (self.env.cr.dbname, self.id, threading.get_ident(), fingerprint)
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(key)
        if client is None:
            try:
                client = self._build_client(settings)
            except mp_errors.ConfigError as err:
                raise UserError(
                    self.env._("%(backend)s: %(error)s", backend=self.name, error=err)
                ) from err
            with _CLIENTS_LOCK:
                _CLIENTS[key] = client
        return client

    def _drop_clients(self):
        with _CLIENTS_LOCK:
            for key in [k for k in _CLIENTS if k[0] == self.env.cr.dbname]:
                if key[1] in self.ids:
                    _CLIENTS.pop(key, None)

    def _raw_order_external_id(self, raw):
        """The marketplace order id of a raw payload, None when absent."""
        return None

    def _raw_order_state(self, raw):
        """``(canonical status, marketplace state)`` of a raw payload, read
        without mapping it (an order cancelled or closed may lack the data a
        mapping needs); ``(None, None)`` when unknown."""
        return None, None

    def _map_order(self, raw):
        """Return the canonical order of a raw payload (pure mapping)."""
        self.ensure_one()
        return self._build_mapper()(raw)

    def _build_mapper(self):
        """Return the function mapping this marketplace's raw orders."""
        raise UserError(
            self.env._(
                "No connector is installed for the marketplace of %(name)s.",
                name=self.name,
            )
        )

    @contextlib.contextmanager
    def _map_errors(self, run=None, what=None, interactive=False):
        """The one place where core errors become Odoo outcomes.

        Transient failures (429, 5xx, timeouts) become ``RetryableJobError``
        with a delay honouring Retry-After, and leave a trace in the journal;
        authentication, configuration and refused requests become
        ``UserError`` (a failed job when run in a job).
        """
        self.ensure_one()
        what = what or self.env._("Marketplace call")
        try:
            yield
        except mp_errors.TransientError as err:
            if interactive:
                raise UserError(
                    self.env._(
                        "%(backend)s: the marketplace did not answer properly, try "
                        "again later (%(error)s).",
                        backend=self.name,
                        error=err,
                    )
                ) from err
            attempt = self._current_job_attempt()
            seconds = backoff_seconds(
                attempt, err.retry_after, base=max(1, self.retry_base_delay or 10)
            )
            kind = (
                self.env._("throttled")
                if isinstance(err, mp_errors.ThrottledError)
                else self.env._("transient failure")
            )
            self._log_event(
                "warning",
                self.env._(
                    "%(what)s: %(kind)s (%(error)s); retry %(attempt)s in "
                    "%(seconds)s s.",
                    what=what,
                    kind=kind,
                    error=err,
                    attempt=attempt,
                    seconds=seconds,
                ),
                run=run,
                event_type="retry",
                detached=True,
            )
            raise RetryableJobError(str(err), seconds=seconds) from err
        except mp_errors.AuthError as err:
            raise UserError(
                self.env._(
                    "%(backend)s: the marketplace refused the credentials "
                    "(%(error)s). %(hint)s",
                    backend=self.name,
                    error=err,
                    hint=self._credentials_hint(),
                )
            ) from err
        except mp_errors.ConfigError as err:
            raise UserError(
                self.env._("%(backend)s: %(error)s", backend=self.name, error=err)
            ) from err
        except mp_errors.MphubError as err:
            raise UserError(
                self.env._("%(backend)s: %(error)s", backend=self.name, error=err)
            ) from err

    def _credentials_hint(self):
        """What to check when the marketplace refuses the credentials;
        connectors whose accounts have no API key say theirs."""
        return self.env._("Check the API key in the Connection tab.")

    def _current_job_attempt(self):
        """Attempt number (1-based) of the running job, 1 outside jobs."""
        uuid = self.env.context.get("job_uuid")
        if not uuid:
            return 1
        job = self.env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1)
        # the stored count is the number of attempts that already failed
        return (job.retry or 0) + 1

    # ------------------------------------------------------------------
    # jobs plumbing
    # ------------------------------------------------------------------
    def _enqueue(self, records, method, *args, run=None, **options):
        """Delay ``records.method(*args)`` and link the job to this backend.

        ``options`` are queue_job's (priority, eta, identity_key, description,
        max_retries, channel). Linking the job gives the health dashboard its
        failed and stuck job counts, and lets a failed job fail its run.
        """
        self.ensure_one()
        job = getattr(records.with_delay(**options), method)(*args)
        if job is None:  # executed at once (queue_job__no_delay)
            return None
        # a pending job with the same identity key is returned as a record
        record = job if isinstance(job, models.BaseModel) else job.db_record()
        if record and (
            record.mp_backend_id != self or (run and record.mp_run_id != run)
        ):
            record.sudo().write(
                {"mp_backend_id": self.id, "mp_run_id": run.id if run else False}
            )
        return job

    def _log_event(
        self,
        level,
        message,
        run=None,
        binding=None,
        event_type="info",
        detached=False,
    ):
        """Record a journal event.

        ``detached`` writes it in its own transaction, for events that must
        survive the rollback of the current job (retries).
        """
        self.ensure_one()
        vals = {
            "backend_id": self.id,
            "run_id": run.id if run else False,
            "order_binding_id": binding.id if binding else False,
            "level": level,
            "event_type": event_type,
            "message": message,
            "job_uuid": self.env.context.get("job_uuid"),
        }
        if detached and DETACHED_EVENTS is not None:
            # a test runs the jobs: it writes the event after the rollback
            DETACHED_EVENTS.append(vals)
            return None
        if not detached or odoo_module.current_test:
            # tests run in one transaction that a new cursor cannot see
            return self.env["mp.sync.event"].sudo().create(vals)
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)["mp.sync.event"].create(vals)
        return None

    @api.model
    def _stuck_jobs_domain(self):
        """Jobs started or enqueued for longer than the configured minutes."""
        minutes = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mp_connector_base.stuck_job_minutes", 30)
        )
        before = fields.Datetime.now() - timedelta(minutes=minutes)
        return [
            "|",
            "&",
            ("state", "=", "started"),
            ("date_started", "<", before),
            "&",
            ("state", "=", "enqueued"),
            ("date_enqueued", "<", before),
        ]

    # ------------------------------------------------------------------
    # order import: cron -> run -> page jobs -> processing jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_import_orders(self):
        backends = self.search([("import_orders", "=", True)])
        for backend in backends:
            backend = in_company_lang(backend, backend.company_id)
            if not backend._import_in_progress():
                backend._schedule_import_orders()

    def _import_in_progress(self):
        """True while an import run of this account still has jobs to do.

        A run left "running" without any job (its job was deleted) is closed
        as failed, so that it does not hide the account's health.
        """
        self.ensure_one()
        runs = (
            self.env["mp.sync.run"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", self.id),
                    ("operation", "=", "import_orders"),
                    ("state", "=", "running"),
                ]
            )
        )
        if not runs:
            return False
        active = (
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("mp_run_id", "in", runs.ids),
                    (
                        "state",
                        "in",
                        ("wait_dependencies", "pending", "enqueued", "started"),
                    ),
                ]
            )
        )
        if active:
            return True
        runs._fail(self.env._("The run lost its jobs before finishing."))
        return False

    def _schedule_import_orders(self):
        """Open an import run and queue its first page.

        The run is created here, in the caller's transaction, so that retries
        of its jobs always find it.
        """
        self.ensure_one()
        self._ensure_utm_source()
        now = fields.Datetime.now() - self._order_import_lag()
        start = self.import_cursor or self.import_from or now - timedelta(days=7)
        if self.import_cursor:
            start -= timedelta(minutes=max(0, self.import_overlap_minutes))
        run = (
            self.env["mp.sync.run"]
            .sudo()
            .create(
                {
                    "backend_id": self.id,
                    "operation": "import_orders",
                    "window_start": start,
                    "cursor_candidate": now,
                }
            )
        )
        self._enqueue(
            self,
            "_job_import_orders_page",
            run,
            None,
            run=run,
            priority=5,
            max_retries=15,
            description=self.env._("%s: import orders, page 1", self.name),
        )
        return run

    def _ships_each_delivery(self):
        """True when the marketplace takes one shipment per delivery, with
        its lines and quantities (partial shipments); else the order is
        declared shipped once, when its last delivery is done."""
        return False

    def _order_import_lag(self):
        """How far behind now an import window ends: the marketplace's
        own publication delay (Amazon: 2 minutes at least)."""
        return timedelta(0)

    def _job_import_orders_page(self, run, page):
        """Job: import one page of orders (see ``_import_orders_page``)."""
        backend = in_company_lang(self.sudo(), self.company_id)
        return backend._import_orders_page(run.sudo().with_env(backend.env), page)

    def _import_orders_page(self, run, page):
        """Fetch one page of orders, store their payloads, queue processing.

        The page is stored and committed by this job; the next page is a new
        job, so a retry (429, 5xx) only asks again for one page. The cursor
        moves only when the last page is stored.
        """
        self.ensure_one()
        if run.state != "running":
            return self.env._("Run %s is no longer running.", run.display_name)
        self._lock_order_store()
        client = self._get_client()
        with self._map_errors(run=run, what=self.env._("Order import")):
            until = None
            if self._order_import_lag():
                until = run.cursor_candidate.replace(tzinfo=timezone.utc)
            result = client.list_orders(
                run.window_start.replace(tzinfo=timezone.utc),
                page=page,
                updated_before=until,
            )
        stats = self.env["mp.order.binding"]._store_raw_orders(self, result.orders)
        run.write(
            {
                "page_count": run.page_count + 1,
                "count_fetched": run.count_fetched + len(result.orders),
                "count_new": run.count_new + stats["new"],
                "count_updated": run.count_updated + stats["updated"],
                "count_unchanged": run.count_unchanged + stats["unchanged"],
                "count_error": run.count_error + stats["error"],
                "total_expected": result.total or run.total_expected,
            }
        )
        self._enqueue_processing(stats["to_process"], run)
        if result.next_page:
            self._enqueue(
                self,
                "_job_import_orders_page",
                run,
                result.next_page,
                run=run,
                priority=5,
                max_retries=15,
                description=self.env._(
                    "%(backend)s: import orders, page %(page)s",
                    backend=self.name,
                    page=run.page_count + 1,
                ),
            )
        else:
            self._finish_import_run(run)
        return self.env._(
            "%(count)s orders fetched (%(new)s new, %(updated)s updated).",
            count=len(result.orders),
            new=stats["new"],
            updated=stats["updated"],
        )

    def _lock_order_store(self):
        """One job at a time stores this account's orders.

        Two imports of the same window (a manual one during the scheduled
        one) would otherwise insert the same orders at the same time; the
        second waits for a fresh transaction that sees what the first
        committed.
        """
        if not self._try_advisory_lock("store-orders"):
            raise RetryableJobError(
                "Another job is storing the orders of this account",
                seconds=(2, 6),
                ignore_retry=True,
            )

    def _try_advisory_lock(self, name):
        """Take the transaction lock ``name`` of this account, or return
        False when another transaction holds it."""
        digest = hashlib.sha1(f"mp:{self.id}:{name}".encode()).digest()
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s)",
                int.from_bytes(digest[:8], "big", signed=True),
            )
        )
        return self.env.cr.fetchone()[0]

    def _enqueue_processing(self, bindings, run=None):
        """Queue the processing of bindings in batches of ``batch_size``."""
        self.ensure_one()
        size = max(1, self.batch_size)
        ids = sorted(bindings.ids)
        for start in range(0, len(ids), size):
            batch = bindings.browse(ids[start : start + size])
            self._enqueue(
                batch,
                "_job_process",
                run,
                run=run,
                priority=10,
                max_retries=10,
                identity_key=_identity_process,
                description=self.env._("%s: process 1 order", self.name)
                if len(batch) == 1
                else self.env._(
                    "%(backend)s: process %(count)s orders",
                    backend=self.name,
                    count=len(batch),
                ),
            )

    def _finish_import_run(self, run):
        self.ensure_one()
        cursor = run.cursor_candidate
        if self.import_cursor and self.import_cursor > cursor:
            cursor = self.import_cursor  # a later run already went further
        self.write(
            {
                "import_cursor": cursor,
                "last_import_date": fields.Datetime.now(),
                "consecutive_failures": 0,
            }
        )
        run._close("done")

    def _register_failure(self, message):
        """Count a failed run; alert managers after too many in a row."""
        for backend in self.sudo():
            failures = backend.consecutive_failures + 1
            backend.write(
                {
                    "consecutive_failures": failures,
                    "last_failure_date": fields.Datetime.now(),
                    "last_failure_message": message,
                }
            )
            threshold = max(1, backend.failure_alert_threshold)
            if failures == threshold:
                backend._alert_managers(failures, message)

    def _alert_managers(self, failures, message):
        self.ensure_one()
        backend = in_company_lang(self, self.company_id)
        group = self.env.ref("mp_connector_base.group_mp_connector_base_manager")
        managers = group.users.filtered(
            lambda u: not u.share and self.company_id in u.company_ids
        )
        activity_type = self.env.ref(
            "mp_connector_base.mail_activity_type_backend_failure"
        )
        summary = backend.env._(
            "%(backend)s: %(count)s failed runs in a row",
            backend=self.name,
            count=failures,
        )
        for user in managers - self.env.ref("base.user_root"):
            backend.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=message,
                user_id=user.id,
            )

    # ------------------------------------------------------------------
    # sandbox catalogue (demo data and tests)
    # ------------------------------------------------------------------
    @api.model
    def _demo_skip_company_enrichment(self):
        """Demo data: the demo company is not a real one to look up.

        partner_autocomplete (auto-installed with the web client) asks
        Odoo's IAP service about the current company when the first browser
        tab opens, and logs an ERROR when the server has no internet access,
        as a demo often has not.
        """
        companies = self.env["res.company"]
        if "iap_enrich_auto_done" in companies._fields:
            companies.search([]).write({"iap_enrich_auto_done": True})

    @api.model
    def _load_sandbox_catalog(
        self, size=60, quantity=50, seed=42, company=None, start=0
    ):
        """Create the products the sandbox marketplaces sell, with stock:
        ``size`` catalogue products from index ``start``.

        SKUs, EANs, prices and VAT rates come from ``mphub.sandbox.catalog``,
        so that sandbox orders reference products Odoo knows.
        """
        from mphub.sandbox import catalog

        company = company or self.env.company
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        products = self.env["product.product"]
        existing = {
            p.default_code: p
            for p in products.search(
                [
                    (
                        "default_code",
                        "in",
                        [i["sku"] for i in catalog.products(seed, size, start)],
                    )
                ]
            )
        }
        vals_list = []
        items = catalog.products(seed, size, start)
        for item in items:
            if item["sku"] in existing:
                continue
            tax = self._sandbox_sale_tax(company, item["tax_rate"])
            vals_list.append(
                {
                    "name": item["name"],
                    "default_code": item["sku"],
                    "barcode": item["ean"],
                    "list_price": float(item["price"]),
                    "weight": item["weight"],
                    "type": "consu",
                    "is_storable": True,
                    "taxes_id": [Command.set(tax.ids)],
                }
            )
        created = products.create(vals_list)
        # the sandbox marketplaces charge French VAT on shipping and gift
        # wrapping: the account's products of these lines say so
        for xmlid in ("product_marketplace_shipping", "product_marketplace_gift_wrap"):
            service = self.env.ref(f"mp_connector_base.{xmlid}", False)
            if service and not service.taxes_id._filter_taxes_by_company(company):
                service.taxes_id |= self._sandbox_sale_tax(company, 20)
        if quantity and warehouse:
            for product in created:
                self.env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, quantity
                )
        return products.search([("default_code", "in", [i["sku"] for i in items])])

    @api.model
    def _sandbox_pricelist(self, currency_code="EUR"):
        """A pricelist in the sandbox marketplaces' currency."""
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", currency_code)], limit=1)
        )
        currency.active = True
        pricelist = self.env["product.pricelist"].search(
            [("currency_id", "=", currency.id)], limit=1
        )
        return pricelist or self.env["product.pricelist"].create(
            {"name": f"Marketplaces {currency_code}", "currency_id": currency.id}
        )

    @api.model
    def _sandbox_sale_tax(self, company, rate, included=True):
        """Find, or create, a French sales VAT of ``rate`` percent (the
        sandbox marketplaces sell in France: the order import takes the
        destination country's taxes when a product's do not agree)."""
        rate = float(rate)
        france = self.env.ref("base.fr")
        tax = (
            self.env["account.tax"]
            .search(
                [
                    ("company_id", "=", company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", rate),
                    ("country_id", "=", france.id),
                ]
            )
            .filtered(lambda t: t.price_include == included)[:1]
        )
        if tax:
            return tax
        group = self._sandbox_tax_group(company, rate)
        label = f"{rate:g}"
        return self.env["account.tax"].create(
            {
                "name": self.env._(
                    "VAT %(rate)s%% (%(kind)s)", rate=label, kind=self.env._("incl.")
                )
                if included
                else self.env._("VAT %(rate)s%%", rate=label),
                "company_id": company.id,
                "country_id": france.id,
                "tax_group_id": group.id,
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": rate,
                "price_include_override": "tax_included"
                if included
                else "tax_excluded",
            }
        )

    @api.model
    def _sandbox_tax_group(self, company, rate):
        """The French tax group of the ``rate`` percent VAT of ``company``
        ("VAT 20%"): each rate has its own, as invoices sum taxes by group."""
        france = self.env.ref("base.fr")
        groups = self.env["account.tax.group"]
        label = f"{float(rate):g}"
        name = self.env._("VAT %(rate)s%%", rate=label)
        group = groups.search(
            [
                ("company_id", "=", company.id),
                ("country_id", "=", france.id),
                ("name", "in", list({name, f"VAT {label}%"})),
            ],
            limit=1,
        )
        return group or groups.create(
            {"name": name, "country_id": france.id, "company_id": company.id}
        )


def _identity_process(job_):
    """One pending processing job per set of bindings."""
    hasher = hashlib.sha1()
    hasher.update(job_.model_name.encode())
    hasher.update(job_.method_name.encode())
    hasher.update(str(sorted(job_.recordset.ids)).encode())
    return hasher.hexdigest()
