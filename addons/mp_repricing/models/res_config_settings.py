from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mp_snapshot_retention_days = fields.Integer(
        string="Keep Competitor Offers (days)",
        config_parameter="mp_repricing.snapshot_retention_days",
        default=90,
    )
    mp_competitor_interval_hours = fields.Integer(
        string="Read Competitors Every (hours)",
        config_parameter="mp_repricing.competitor_interval_hours",
        default=6,
    )
