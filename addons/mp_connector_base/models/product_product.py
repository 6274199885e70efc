from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._mp_replay_waiting_orders()
        return products

    def write(self, vals):
        res = super().write(vals)
        if {"default_code", "barcode", "active"} & set(vals):
            self._mp_replay_waiting_orders()
        return res

    def _mp_replay_waiting_orders(self):
        """Orders kept in error for an unknown SKU or EAN go again."""
        codes = {
            code
            for product in self
            if product.active
            for code in (product.default_code, product.barcode)
            if code
        }
        if codes:
            self.env["mp.order.binding"].sudo()._replay_waiting_for(codes)
