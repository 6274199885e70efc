from odoo import fields, models


class MpAmazonMarketplace(models.Model):
    """An Amazon marketplace (Amazon.fr, Amazon.de...) an account sells on."""

    _name = "mp.amazon.marketplace"
    _description = "Amazon Marketplace"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Country code, as Amazon writes it.")
    marketplace_id = fields.Char(string="Marketplace ID", required=True)
    sales_channel = fields.Char(help="E.g. Amazon.fr: the orders' sales channel.")
    country_id = fields.Many2one("res.country", required=True)
    currency_id = fields.Many2one("res.currency", required=True)
    region = fields.Selection(
        [("eu", "Europe"), ("na", "North America"), ("fe", "Far East")],
        required=True,
    )
    language = fields.Char(help="Locale of the messages Amazon sends back.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "marketplace_id_unique",
            "unique(marketplace_id)",
            "An Amazon marketplace ID is unique.",
        )
    ]
