from odoo import api, models


class StockQuant(models.Model):
    """Every change of on-hand or reserved stock goes through quants: mark
    the offers of the products concerned for export."""

    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        self.env["mp.offer.dirty"]._mark_products(quants.product_id.ids)
        return quants

    def write(self, vals):
        if {"quantity", "reserved_quantity", "location_id", "product_id"} & set(vals):
            self.env["mp.offer.dirty"]._mark_products(self.product_id.ids)
        res = super().write(vals)
        if "product_id" in vals:
            self.env["mp.offer.dirty"]._mark_products(self.product_id.ids)
        return res

    def unlink(self):
        self.env["mp.offer.dirty"]._mark_products(self.product_id.ids)
        return super().unlink()
