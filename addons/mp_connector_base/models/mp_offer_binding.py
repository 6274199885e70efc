from odoo import api, fields, models

from ..services.notify import RELOAD, notification

PUSH_STATES = [
    ("never", "Never Pushed"),
    ("pending", "Sent, Waiting"),
    ("confirmed", "Confirmed"),
    ("error", "Rejected"),
]
# the fields whose change alters what an offer exports
EXPORT_FIELDS = {"stock_mode", "fixed_quantity", "floor_price", "active", "product_id"}


class MpOfferBinding(models.Model):
    """An offer (listing) of a product on one marketplace account.

    A product may have several offers per account (condition, pack,
    fulfilment mode), each with its own seller SKU. The offer keeps what was
    last pushed to the marketplace and what the marketplace confirmed, so
    that an export sends only what changed and a drift check sees what was
    changed behind our back.

    The chatter traces the policy a user sets (tracked fields) and what the
    marketplace confirmed: the export engine writes offers in bulk SQL, so
    the confirmation of a push logs one compact note per offer whose
    confirmed quantity or price changed, or that was rejected
    (``services/push_status.py`` ``OfferNotes``), never one per write.
    """

    _name = "mp.offer.binding"
    _inherit = ["mp.binding.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Marketplace Offer"
    _order = "backend_id, seller_sku"
    _rec_name = "seller_sku"
    _check_company_auto = True
    _mp_key_field = "seller_sku"

    currency_id = fields.Many2one(related="backend_id.currency_id")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        tracking=True,
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id",
        string="Product Template",
        store=True,
        index=True,
    )
    seller_sku = fields.Char(string="Seller SKU", required=True)
    ean = fields.Char(string="EAN", index="btree_not_null")
    marketplace_product_id = fields.Char(
        string="Marketplace Product ID",
        index="btree_not_null",
        help="The marketplace's own product identifier (Mirakl product SKU, ASIN...).",
    )
    external_id = fields.Char(
        string="Marketplace Offer ID", index="btree_not_null", copy=False
    )
    condition = fields.Char(
        string="Condition Code",
        help="The marketplace's condition code of the offer (Mirakl 11, Amazon "
        "new_new...).",
    )
    condition_label = fields.Char(
        string="Condition",
        compute="_compute_condition_label",
        help="The offer's condition (new, used...), as the marketplace names it.",
    )
    title = fields.Char(string="Marketplace Title")
    active = fields.Boolean(default=True, tracking=True)

    # -- policy -----------------------------------------------------------
    stock_mode = fields.Selection(
        [
            ("policy", "Account Policy"),
            ("fixed", "Fixed Quantity"),
            ("excluded", "Not Exported (0)"),
        ],
        string="Stock",
        default="policy",
        required=True,
        tracking=True,
        help="Account Policy: the free stock of the account's warehouses, "
        "with its buffer, share, cap and threshold. Fixed Quantity: always "
        "the quantity below. Not Exported: the offer shows 0.",
    )
    # quantities and prices of offers are per channel: a sum over several
    # offers counts the same stock (or adds prices) once per channel
    fixed_quantity = fields.Integer(tracking=True, aggregator=None)
    floor_price = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        aggregator=None,
        help="The offer is never priced under this amount (tax included).",
    )

    # -- what was pushed, what the marketplace says -------------------------
    # the push confirmation writes these in SQL and logs their changes
    # itself (mp.offer.push); tracking=True covers any other write
    stock_state = fields.Selection(
        PUSH_STATES,
        string="Quantity Status",
        default="never",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    sent_quantity = fields.Integer(
        string="Quantity Pushed", readonly=True, copy=False, aggregator="max"
    )
    confirmed_quantity = fields.Integer(
        string="Quantity Confirmed",
        readonly=True,
        copy=False,
        tracking=True,
        aggregator="max",
    )
    stock_push_id = fields.Many2one(
        "mp.offer.push", string="Last Stock Push", readonly=True, copy=False
    )
    price_state = fields.Selection(
        PUSH_STATES,
        string="Price Status",
        default="never",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    sent_price = fields.Monetary(
        string="Price Pushed",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        aggregator="avg",
    )
    confirmed_price = fields.Monetary(
        string="Price Confirmed",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        tracking=True,
        aggregator="avg",
    )
    price_push_id = fields.Many2one(
        "mp.offer.push", string="Last Price Push", readonly=True, copy=False
    )
    date_pushed = fields.Datetime(string="Last Push", readonly=True, copy=False)
    date_confirmed = fields.Datetime(string="Last Confirmed", readonly=True, copy=False)
    push_error = fields.Text(readonly=True, copy=False)
    has_error = fields.Boolean(
        string="In Error",
        compute="_compute_has_error",
        store=True,
        index=True,
    )
    mp_quantity = fields.Integer(
        string="Marketplace Quantity",
        readonly=True,
        copy=False,
        aggregator="max",
        help="The quantity the marketplace showed at the last listing import or "
        "drift check.",
    )
    mp_price = fields.Monetary(
        string="Marketplace Price",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        aggregator="avg",
    )
    date_checked = fields.Datetime(string="Last Checked", readonly=True, copy=False)
    drift = fields.Boolean(
        string="Drifted",
        readonly=True,
        copy=False,
        index=True,
        help="The marketplace shows another quantity or price than the last one "
        "it confirmed.",
    )
    drift_note = fields.Char(readonly=True, copy=False)
    dirty_ids = fields.One2many("mp.offer.dirty", "offer_id", string="Export Marks")
    export_pending = fields.Boolean(
        compute="_compute_export_pending",
        search="_search_export_pending",
    )

    _sql_constraints = [
        (
            "sku_uniq",
            "unique(backend_id, seller_sku)",
            "A seller SKU is used by one offer per marketplace account.",
        ),
    ]

    @api.depends("backend_id.backend_type", "condition")
    def _compute_condition_label(self):
        for backend, offers in self.grouped("backend_id").items():
            labels = backend._offer_condition_labels()
            for offer in offers:
                offer.condition_label = backend._offer_condition_label(
                    offer.condition, labels
                )

    @api.depends("stock_state", "price_state")
    def _compute_has_error(self):
        for offer in self:
            offer.has_error = "error" in (offer.stock_state, offer.price_state)

    @api.depends("dirty_ids")
    def _compute_export_pending(self):
        for offer in self:
            offer.export_pending = bool(offer.dirty_ids)

    def _search_export_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError
        pending = (operator == "=") == value
        return [("dirty_ids", "!=" if pending else "=", False)]

    @api.model_create_multi
    def create(self, vals_list):
        model = self
        if len(vals_list) > 1:
            # offers bound in bulk (listing imports, scripts): no creation
            # note nor follower per offer, the run or the caller says it
            model = self.with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True
            )
        offers = super(MpOfferBinding, model).create(vals_list)
        offers._replay_waiting_orders()
        offers._mark_dirty()
        return offers

    def write(self, vals):
        res = super().write(vals)
        if {"seller_sku", "ean", "marketplace_product_id", "product_id"} & set(vals):
            self._replay_waiting_orders()
        if EXPORT_FIELDS & set(vals):
            self._mark_dirty()
        return res

    def _replay_waiting_orders(self):
        codes = {
            code for offer in self for code in (offer.seller_sku, offer.ean) if code
        }
        if codes:
            self.env["mp.order.binding"].sudo()._replay_waiting_for(codes)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def _mark_dirty(self, force=False):
        """Queue these offers for the next export of their accounts."""
        self.env["mp.offer.dirty"]._mark_offers(self.ids, force=force)

    def action_export_now(self):
        """Push these offers now, even if nothing seems to have changed."""
        self._mark_dirty(force=True)
        return notification(
            self.env._("%s offer(s) queued for export.", len(self)),
            kind="success",
            next_action=RELOAD,
        )

    def action_fix_drift(self):
        """Push again the values Odoo wants, over the marketplace's."""
        drifted = self.filtered("drift")
        drifted._mark_dirty(force=True)
        return notification(
            self.env._("%s drifted offer(s) queued for correction.", len(drifted)),
            kind="success",
            next_action=RELOAD,
        )
