from odoo import fields, models
from odoo.tools import SQL


class MpOfferBinding(models.Model):
    """What the repricer knows of an offer: the rule owning it, the price it
    applied, its floor and ceiling, and whether it is frozen."""

    _inherit = "mp.offer.binding"

    repricing_frozen = fields.Boolean(
        string="Repricing Frozen",
        tracking=True,
        copy=False,
        help="The repricer leaves the price of a frozen offer as it is.",
    )
    repricing_rule_id = fields.Many2one(
        "mp.repricing.rule",
        string="Repricing Rule",
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
        string="Last Decision",
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
