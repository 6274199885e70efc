from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.mp_connector_base.services.notify import queued


class MpOfferBinding(models.Model):
    """What the repricer knows of an offer: what the competitors' offers
    say of it, as the last collection (or price file) read them; the rule
    owning it, the price it applied, its floor and ceiling, and whether it
    is frozen."""

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

    # -- repricing --------------------------------------------------------

    repricing_frozen = fields.Boolean(
        tracking=True,
        copy=False,
        help="The repricer leaves the price of a frozen offer as it is.",
    )
    repricing_rule_id = fields.Many2one(
        "mp.repricing.rule",
        readonly=True,
        index=True,
        copy=False,
        ondelete="set null",
        help="The first active rule whose scope matches the offer.",
    )
    repricing_price = fields.Monetary(
        string="Repriced Price",
        readonly=True,
        copy=False,
        help="The price the repricer applied: it replaces the pricelist's price "
        "in the export.",
    )
    repricing_date = fields.Datetime(string="Last Repricing", readonly=True, copy=False)
    repricing_floor = fields.Monetary(string="Floor", readonly=True, copy=False)
    repricing_ceiling = fields.Monetary(string="Ceiling", readonly=True, copy=False)
    repricing_at_floor = fields.Boolean(string="At Floor", readonly=True, copy=False)
    # computed, not stored: a run would otherwise rewrite every offer
    last_decision_id = fields.Many2one(
        "mp.repricing.decision",
        compute="_compute_last_decision_id",
        help="The latest decision of a live or simulated run on this offer.",
    )
    last_decision_explanation = fields.Text(
        string="Why", compute="_compute_last_decision_id"
    )

    def _compute_last_decision_id(self):
        Decision = self.env["mp.repricing.decision"]
        ids = [offer_id for offer_id in self.ids if isinstance(offer_id, int)]
        latest = {}
        if ids:
            Decision.flush_model(["offer_id", "run_id"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT DISTINCT ON (d.offer_id) d.offer_id, d.id
                      FROM mp_repricing_decision d
                      JOIN mp_repricing_run r ON r.id = d.run_id
                     WHERE d.offer_id = ANY(%s) AND r.mode != 'replay'
                     ORDER BY d.offer_id, d.id DESC
                    """,
                    ids,
                )
            )
            latest = dict(self.env.cr.fetchall())
        for offer in self:
            decision = Decision.browse(latest.get(offer._origin.id))
            offer.last_decision_id = decision
            offer.last_decision_explanation = decision.explanation

    def action_repricing_freeze(self):
        self.write({"repricing_frozen": True})
        return True

    def action_repricing_unfreeze(self):
        self.write({"repricing_frozen": False})
        return True

    def action_view_repricing_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_repricing.action_mp_repricing_decision"
        )
        action["domain"] = [("offer_id", "=", self.id)]
        return action
