from odoo import fields, models

# product fields whose change alters the price or the sellability of offers
PRODUCT_TEMPLATE_FIELDS = {"list_price", "taxes_id", "sale_ok", "active"}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    mp_offer_ids = fields.One2many(
        "mp.offer.binding", "product_tmpl_id", string="Marketplace Offers"
    )

    def write(self, vals):
        res = super().write(vals)
        if PRODUCT_TEMPLATE_FIELDS & set(vals):
            self.env["mp.offer.dirty"]._mark_products(
                self.with_context(active_test=False).product_variant_ids.ids
            )
        return res
