import hashlib
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError

from ..services.account_lists import AccountLists
from ..services.journal import Journal
from ..services.notify import CLOSE, notification
from ..services.order_import import OrderPages
from ..services.paged_runs import PagedRun
from ..services.stored_text import in_company_lang


class MpOrderAccountMixin(models.AbstractModel):
    """The order side of a marketplace account (``mp.backend`` inherits it):
    where the orders land and how they are imported, the order buttons and
    the import jobs (cron -> run -> one job per page -> processing jobs,
    ``services/order_import.py`` and ``services/paged_runs.py``)."""

    _name = "mp.order.account.mixin"
    _description = "Marketplace Account: Orders"

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

    # ------------------------------------------------------------------
    # constraints
    # ------------------------------------------------------------------
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

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
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
        return notification(
            self.env._(
                "The order import of %(backend)s runs in the background; "
                "follow it in the journal.",
                backend=self.name,
            ),
            title=self.env._("Import queued"),
            next_action=CLOSE,
        )

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

    def action_open_orders(self):
        return AccountLists(self).orders()

    def action_open_orders_today(self):
        return AccountLists(self).orders_today()

    def action_open_orders_week(self):
        return AccountLists(self).orders_week()

    def action_open_errors(self):
        return AccountLists(self).order_errors()

    def action_open_pending(self):
        return AccountLists(self).orders_pending()

    def action_open_to_decide(self):
        return AccountLists(self).orders_to_decide()

    def action_open_export_errors(self):
        return AccountLists(self).export_errors()

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
        """True while an import run of this account still has jobs to do
        (a run that lost its jobs is failed: ``Journal.in_progress``)."""
        return Journal(self).in_progress("import_orders")

    def _schedule_import_orders(self):
        """Open an import run and queue its first page (``OrderPages``)."""
        self._ensure_utm_source()
        return PagedRun(OrderPages(self)).start()

    def _ships_each_delivery(self):
        """True when the marketplace takes one shipment per delivery, with
        its lines and quantities (partial shipments); else the order is
        declared shipped once, when its last delivery is done."""
        return self._get_client().ships_per_delivery

    def _order_import_lag(self):
        """How far behind now an import window ends: the marketplace's
        own publication delay (Amazon: 2 minutes at least)."""
        return self._get_client().import_lag

    def _job_import_orders_page(self, run, page):
        """Job: import one page of orders, or finish the run and move the
        cursor after the last one (``services/order_import.py``)."""
        backend = in_company_lang(self.sudo(), self.company_id)
        run = run.sudo().with_env(backend.env)
        return PagedRun(OrderPages(backend)).run_page(run, page)

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
                preset="process_orders",
                identity_key=_identity_process,
                description=self.env._("%s: process 1 order", self.name)
                if len(batch) == 1
                else self.env._(
                    "%(backend)s: process %(count)s orders",
                    backend=self.name,
                    count=len(batch),
                ),
            )


def _identity_process(job_):
    """One pending processing job per set of bindings."""
    hasher = hashlib.sha1()
    hasher.update(job_.model_name.encode())
    hasher.update(job_.method_name.encode())
    hasher.update(str(sorted(job_.recordset.ids)).encode())
    return hasher.hexdigest()
