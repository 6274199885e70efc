from odoo import api, models


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
