from odoo import fields, models

STATES = [
    ("unchanged", "Unchanged"),
    ("simulated", "Simulated"),
    ("applied", "Applied"),
    ("blocked", "Blocked"),
    ("frozen", "Frozen"),
]


class MpRepricingDecision(models.Model):
    """What a rule decided for one offer in one run, and why: written in
    bulk by the run (``services/repricing_run.py``), never edited."""

    _name = "mp.repricing.decision"
    _description = "Repricing Decision"
    _order = "date desc, id desc"
    _rec_name = "offer_id"

    run_id = fields.Many2one(
        "mp.repricing.run", required=True, ondelete="cascade", index=True
    )
    rule_id = fields.Many2one("mp.repricing.rule", ondelete="cascade", index=True)
    offer_id = fields.Many2one("mp.offer.binding", ondelete="cascade", index=True)
    # written 100,000 at a time: only the indexes the reads need
    backend_id = fields.Many2one(
        "mp.backend", string="Marketplace Account", ondelete="cascade"
    )
    product_id = fields.Many2one("product.product", ondelete="cascade")
    company_id = fields.Many2one("res.company")
    currency_id = fields.Many2one("res.currency")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    mode = fields.Selection(related="run_id.mode", string="Run Mode")
    old_price = fields.Monetary(aggregator="avg")
    new_price = fields.Monetary(aggregator="avg")
    change = fields.Monetary(aggregator="sum")
    change_percent = fields.Float(string="Change (%)", digits=(16, 2), aggregator="avg")
    changed = fields.Boolean(string="Price Changed")
    state = fields.Selection(STATES, required=True, default="unchanged")
    reason = fields.Char(help="The engine's code of the decision's reason.")
    explanation = fields.Text()
    target_seller = fields.Char(string="Competitor Targeted")
    target_price = fields.Monetary(
        string="Competitor's Price", help="Landed price of the competitor targeted."
    )
    floor_price = fields.Monetary(string="Floor")
    ceiling_price = fields.Monetary(string="Ceiling")
