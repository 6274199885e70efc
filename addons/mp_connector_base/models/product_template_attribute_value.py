from odoo import models


class ProductTemplateAttributeValue(models.Model):
    _inherit = "product.template.attribute.value"

    def write(self, vals):
        res = super().write(vals)
        if "price_extra" in vals:
            self.env["mp.offer.dirty"]._mark_products(
                self.with_context(active_test=False).ptav_product_variant_ids.ids
            )
        return res
