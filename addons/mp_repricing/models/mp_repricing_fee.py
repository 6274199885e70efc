from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import SQL


class MpRepricingFee(models.Model):
    """Fee estimates of the marketplaces that give them (the "fees"
    capability: Amazon Product Fees), cached per offer; their rate
    (fees / price) is the commission of rules asking for it."""

    _name = "mp.repricing.fee"
    _description = "Marketplace Fee Estimate"
    _order = "date desc, id desc"
    _rec_name = "offer_id"

    offer_id = fields.Many2one(
        "mp.offer.binding", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    currency_id = fields.Many2one(related="backend_id.currency_id")
    price = fields.Monetary()
    fees = fields.Monetary()
    rate = fields.Float(digits=(16, 6), help="Fees divided by the price.")
    date = fields.Datetime(required=True, default=fields.Datetime.now)

    @api.model
    def _latest_rates(self, offer_ids):
        """{offer id: Decimal rate} of the latest estimate of each offer."""
        if not offer_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (offer_id) offer_id, rate
                  FROM mp_repricing_fee
                 WHERE offer_id = ANY(%s) AND rate IS NOT NULL
                 ORDER BY offer_id, date DESC, id DESC
                """,
                list(offer_ids),
            )
        )
        return {
            offer_id: Decimal(str(rate)) for offer_id, rate in self.env.cr.fetchall()
        }
