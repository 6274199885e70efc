from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_only = fields.Boolean(
        related="website_id.b2b_only",
        readonly=False,
        help="Show the shop, prices and quick order only to validated B2B customers.",
    )
    b2b_signup_policy = fields.Selection(
        related="website_id.b2b_signup_policy",
        readonly=False,
        help="Whether professionals may request a B2B account from the website.",
    )
    # --- H16B: order on account ---
    b2b_order_on_account = fields.Boolean(
        related="website_id.b2b_order_on_account",
        readonly=False,
        help="Customers with deferred payment terms may order on account (no "
        "online payment).",
    )
    # --- end H16B ---
