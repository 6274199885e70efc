from odoo import fields, models


class MpOrderMissingSku(models.Model):
    """A product an order in error waits for."""

    _name = "mp.order.missing.sku"
    _description = "Marketplace Order Unknown Product"

    binding_id = fields.Many2one(
        "mp.order.binding", required=True, ondelete="cascade", index=True
    )
    sku = fields.Char(string="SKU", required=True, index=True)
    ean = fields.Char(string="EAN", index="btree_not_null")
