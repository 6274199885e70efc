from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    b2b_min_qty = fields.Float(
        string="Minimum Order Quantity",
        digits="Product Unit of Measure",
        help="Minimum quantity a B2B customer must order in one line. "
        "0 means no minimum.",
    )
    b2b_pack_qty = fields.Float(
        string="Sold by Multiples of",
        digits="Product Unit of Measure",
        help="The product is sold by packs of this quantity: the ordered quantity "
        "must be a multiple of it. 0 or 1 means any quantity.",
    )
