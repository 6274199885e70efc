from datetime import timedelta
from decimal import Decimal

from mphub.pricing import CompetitorOffer

from odoo import api, fields, models
from odoo.tools import SQL, create_index

SELLER_TYPES = [
    ("professional", "Professional"),
    ("private", "Private"),
    ("marketplace", "Marketplace"),
]
FULFILMENTS = [("merchant", "Seller"), ("marketplace", "Marketplace")]
SOURCES = [("api", "Marketplace API"), ("import", "File Import")]
DEFAULT_RETENTION_DAYS = 90
PURGE_BATCH = 50000


class MpCompetitorSnapshot(models.Model):
    """One offer of a competitor (or the seller's own, as the marketplace
    shows it) on the product of an own offer, for as long as its values do
    not change.

    Only changes are stored: a collection that reads the same values writes
    nothing; a moved price closes the row (``date_to``) and opens another
    one. The rows are written in bulk SQL by the collection
    (``services/competitor_collect.py``) and the file import.
    """

    _name = "mp.competitor.snapshot"
    _description = "Competitor Offer"
    _order = "date_from desc, landed, id"
    _rec_name = "seller"
    _check_company_auto = True

    offer_id = fields.Many2one(
        "mp.offer.binding",
        required=True,
        ondelete="cascade",
        index=True,
    )
    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one("res.company", index=True)
    product_id = fields.Many2one("product.product", index=True)
    currency_id = fields.Many2one("res.currency")
    seller = fields.Char()
    seller_id = fields.Char(string="Seller ID")
    seller_key = fields.Char(
        help="The seller's identity: its marketplace id, else its name, upper-cased."
    )
    seller_type = fields.Selection(SELLER_TYPES)
    price = fields.Monetary(currency_field="currency_id", aggregator="min")
    shipping = fields.Monetary(currency_field="currency_id", aggregator="min")
    landed = fields.Monetary(
        string="Landed Price",
        currency_field="currency_id",
        compute="_compute_landed",
        store=True,
        aggregator="min",
        help="What the buyer pays: the price and the shipping.",
    )
    condition = fields.Char(help="The marketplace's condition code.")
    fulfilment = fields.Selection(FULFILMENTS)
    rating = fields.Float(aggregator="avg")
    rating_count = fields.Integer(aggregator="max")
    featured = fields.Boolean(
        string="Buy Box", help="The offer the marketplace shows first."
    )
    own = fields.Boolean(
        string="Own Offer", help="The seller's own offer, as the marketplace shows it."
    )
    source = fields.Selection(SOURCES, default="api", required=True)
    date_from = fields.Datetime(
        string="Seen From",
        required=True,
        default=fields.Datetime.now,
        help="When these values were first seen.",
    )
    date_to = fields.Datetime(
        string="Seen Until",
        help="When the values changed or the offer vanished; empty: current.",
    )
    current = fields.Boolean(compute="_compute_current", store=True)

    def init(self):
        create_index(
            self.env.cr,
            "mp_competitor_snapshot_offer_current_index",
            self._table,
            ["offer_id", "current"],
        )
        create_index(
            self.env.cr,
            "mp_competitor_snapshot_date_to_index",
            self._table,
            ["date_to"],
            where="date_to IS NOT NULL",
        )

    @api.depends("price", "shipping")
    def _compute_landed(self):
        for snapshot in self:
            snapshot.landed = snapshot.price + snapshot.shipping

    @api.depends("date_to")
    def _compute_current(self):
        for snapshot in self:
            snapshot.current = not snapshot.date_to

    # ------------------------------------------------------------------
    # business methods
    # ------------------------------------------------------------------
    def _to_competitor_offer(self):
        """This row as the engine's ``mphub.pricing.CompetitorOffer``."""
        self.ensure_one()
        return CompetitorOffer(
            seller=self.seller or self.seller_id or "",
            price=Decimal(str(self.price)),
            shipping=Decimal(str(self.shipping)),
            condition=self.condition or None,
            seller_type=self.seller_type or "professional",
            rating=Decimal(str(self.rating)) if self.rating else None,
            rating_count=self.rating_count or None,
            fulfilment=self.fulfilment or None,
            featured=self.featured,
            own=self.own,
            seller_id=self.seller_id or None,
            currency=self.currency_id.name or "EUR",
        )

    @api.model
    def _retention_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mp_repricing.snapshot_retention_days")
        )
        try:
            return int(value)
        except (TypeError, ValueError):
            return DEFAULT_RETENTION_DAYS

    @api.model
    def _cron_purge(self):
        """Delete the rows closed before the retention period (the current
        rows are kept whatever their age). Returns the number deleted."""
        days = self._retention_days()
        if days <= 0:
            return 0
        limit = fields.Datetime.now() - timedelta(days=days)
        self.flush_model(["date_to"])
        deleted = 0
        while True:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %(table)s WHERE id IN (SELECT id FROM %(table)s "
                    "WHERE date_to IS NOT NULL AND date_to < %(limit)s LIMIT %(n)s)",
                    table=SQL.identifier(self._table),
                    limit=limit,
                    n=PURGE_BATCH,
                )
            )
            count = self.env.cr.rowcount
            deleted += count
            if count < PURGE_BATCH:
                break
        if deleted:
            self.invalidate_model()
        return deleted
