from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.replay import RuleReplay


class MpRepricingReplay(models.TransientModel):
    """Replay a rule over the stored competitors' history: the decisions it
    would have taken, stored as a run of mode "replay" (no price changes)."""

    _name = "mp.repricing.replay"
    _description = "Replay a Repricing Rule"

    rule_id = fields.Many2one("mp.repricing.rule", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="rule_id.company_id")
    date_from = fields.Datetime(
        string="From", required=True, default=lambda s: s._default_date_from()
    )
    date_to = fields.Datetime(string="To", required=True, default=fields.Datetime.now)
    offer_ids = fields.Many2many(
        "mp.offer.binding",
        string="Offers",
        domain="[('repricing_rule_id', '=', rule_id)]",
        help="Empty: every offer of the rule.",
    )

    @api.model
    def _default_date_from(self):
        return fields.Datetime.now() - timedelta(days=7)

    def action_replay(self):
        self.ensure_one()
        if self.date_from >= self.date_to:
            raise UserError(self.env._("The replay's range ends before it starts."))
        run = RuleReplay(
            self.rule_id, self.date_from, self.date_to, self.offer_ids.ids
        ).run()
        action = run.action_view_decisions()
        action["context"] = {}
        return action
