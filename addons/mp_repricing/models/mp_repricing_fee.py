from decimal import Decimal

from mphub.parsing import CENT

from odoo import api, fields, models
from odoo.tools import SQL


class MpRepricingFee(models.Model):
    """Fee estimates of the marketplaces that give them (the "fees"
    capability: Amazon Product Fees), cached per offer, split in what grows
    with the price (the referral fee) and what does not (closing, per-item
    and fulfilment fees): rules asking for the marketplace's fees take the
    variable part as a rate of the candidate price plus the fixed part, so
    that a fixed FBA fee stays fixed at a lower price."""

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
    fees = fields.Monetary(help="The estimate's total fees at its price.")
    variable_fees = fields.Monetary(
        help="The part of the fees that is a percent of the price (referral fee)."
    )
    fixed_fees = fields.Monetary(
        help="The part of the fees that does not depend on the price (closing, "
        "per-item and fulfilment fees)."
    )
    rate = fields.Float(
        digits=(16, 6), help="The variable fees divided by the estimate's price."
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)

    @api.model
    def _latest_rates(self, offer_ids):
        """{offer id: (Decimal rate, Decimal fixed fees, Decimal price)} of
        the latest estimate of each offer: the fees at a candidate price P
        are ``rate * P + fixed``."""
        if not offer_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (offer_id) offer_id, rate,
                       COALESCE(fixed_fees, 0), price
                  FROM mp_repricing_fee
                 WHERE offer_id = ANY(%s) AND rate IS NOT NULL
                 ORDER BY offer_id, date DESC, id DESC
                """,
                list(offer_ids),
            )
        )
        return {
            offer_id: (
                Decimal(str(rate)),
                Decimal(str(fixed)).quantize(CENT),
                Decimal(str(price or 0)).quantize(CENT),
            )
            for offer_id, rate, fixed, price in self.env.cr.fetchall()
        }
