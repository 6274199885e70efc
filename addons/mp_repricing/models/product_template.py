from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    mp_msrp = fields.Monetary(
        string="Recommended Retail Price",
        currency_field="currency_id",
        help="The manufacturer's recommended retail price, tax included. A "
        "repricing rule may take it as its ceiling.",
    )
