from odoo import api, fields, models

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


class ProductTemplateAttributeValue(models.Model):
    _inherit = "product.template.attribute.value"

    def write(self, vals):
        res = super().write(vals)
        if "price_extra" in vals:
            self.env["mp.offer.dirty"]._mark_products(
                self.with_context(active_test=False).ptav_product_variant_ids.ids
            )
        return res


class ProductPricelistItem(models.Model):
    """A pricelist rule changes the price of every offer of the accounts
    selling with that pricelist."""

    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._mp_mark_offers()
        return items

    def write(self, vals):
        self._mp_mark_offers()
        res = super().write(vals)
        self._mp_mark_offers()
        return res

    def unlink(self):
        self._mp_mark_offers()
        return super().unlink()

    def _mp_mark_offers(self):
        pricelists = self.pricelist_id
        if not pricelists:
            return
        backends = (
            self.env["mp.backend"]
            .sudo()
            .search(
                [("pricelist_id", "in", pricelists.ids), ("export_price", "=", True)]
            )
        )
        self.env["mp.offer.dirty"]._mark_backends(backends.ids)
