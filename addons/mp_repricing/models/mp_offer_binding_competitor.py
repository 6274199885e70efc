from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.mp_connector_base.services.notify import queued


class MpOfferBinding(models.Model):
    """What the competitors' offers say of an offer, as the last collection
    (or price file) read them."""

    _inherit = "mp.offer.binding"

    competitors_checked_at = fields.Datetime(
        string="Competitors Read At", readonly=True, copy=False
    )
    competitor_count = fields.Integer(
        string="Competitors",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="The competitors' current offers on the product (the own offer "
        "not counted).",
    )
    lowest_competitor_price = fields.Monetary(
        string="Lowest Competitor",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        aggregator="min",
        help="The lowest landed price (price and shipping) of the competitors.",
    )
    repricing_buy_box = fields.Boolean(
        string="Buy Box",
        readonly=True,
        copy=False,
        index=True,
        help="The marketplace shows this offer first (buy box, featured offer).",
    )
    competitors_error = fields.Char(
        string="Competitors Error",
        readonly=True,
        copy=False,
        help="Why the competitors' offers could not be read at the last collection.",
    )
    competitor_snapshot_ids = fields.One2many(
        "mp.competitor.snapshot", "offer_id", string="Competitor Offers"
    )
    competitor_current_ids = fields.One2many(
        "mp.competitor.snapshot",
        "offer_id",
        string="Current Competitor Offers",
        domain=[("current", "=", True)],
    )

    def action_view_price_history(self):
        """The graph of this offer's price against its competitors' (landed
        price by hour, one line per seller, the own offer included)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_repricing.action_mp_competitor_snapshot_history"
        )
        action["domain"] = [("offer_id", "=", self.id)]
        action["context"] = {"default_offer_id": self.id}
        action["display_name"] = self.env._("Price history of %s", self.display_name)
        return action

    def action_collect_competitors(self):
        """Read the competitors' offers of these offers now (a job per
        account)."""
        count = 0
        for backend, offers in self.grouped("backend_id").items():
            if backend._has_capability("competitors"):
                count += len(offers)
                backend._schedule_competitor_collection(offers)
        if not count:
            raise UserError(
                self.env._(
                    "The marketplaces of these offers do not show competitors' "
                    "offers: import them from a file (Competitor Price Imports)."
                )
            )
        return queued(
            self.env._("The competitors' offers of %s offer(s) are being read.", count)
        )
