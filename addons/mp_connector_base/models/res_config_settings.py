from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mp_journal_retention_days = fields.Integer(
        string="Keep Sync Journal (days)",
        config_parameter="mp_connector_base.journal_retention_days",
        default=30,
    )
    mp_stuck_job_minutes = fields.Integer(
        string="Job Stuck After (minutes)",
        config_parameter="mp_connector_base.stuck_job_minutes",
        default=30,
    )
