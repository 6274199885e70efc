from odoo import api, fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    mp_offer_ids = fields.One2many(
        "mp.offer.binding", "product_id", string="Marketplace Offers"
    )
    mp_offer_count = fields.Integer(
        string="Offers", compute="_compute_mp_offer_count", compute_sudo=True
    )

    def _compute_mp_offer_count(self):
        counts = dict(
            self.env["mp.offer.binding"]._read_group(
                [("product_id", "in", self.ids)], ["product_id"], ["__count"]
            )
        )
        for product in self:
            product.mp_offer_count = counts.get(product, 0)

    def action_open_mp_offers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_connector_base.mp_offer_binding_action"
        )
        # the product is a facet of the search bar, the user may remove it
        action.update(
            display_name=self.env._("Offers - %s", self.display_name),
            context={
                "default_product_id": self.id,
                "search_default_product_id": self.id,
            },
        )
        return action

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._mp_replay_waiting_orders()
        return products

    def write(self, vals):
        res = super().write(vals)
        if {"default_code", "barcode", "active"} & set(vals):
            self._mp_replay_waiting_orders()
        if "active" in vals:
            self.env["mp.offer.dirty"]._mark_products(self.ids)
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
