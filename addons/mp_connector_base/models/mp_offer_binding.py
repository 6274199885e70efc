from odoo import api, fields, models


class MpOfferBinding(models.Model):
    """An offer (listing) of a product on one marketplace account.

    A product may have several offers per account (condition, pack,
    fulfilment mode), each with its own seller SKU.
    """

    _name = "mp.offer.binding"
    _description = "Marketplace Offer"
    _order = "backend_id, seller_sku"
    _rec_name = "seller_sku"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    backend_type = fields.Selection(related="backend_id.backend_type")
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    seller_sku = fields.Char(string="Seller SKU", required=True)
    ean = fields.Char(string="EAN", index="btree_not_null")
    marketplace_product_id = fields.Char(
        string="Marketplace Product ID",
        index="btree_not_null",
        help="The marketplace's own product identifier (Mirakl product SKU, ASIN...).",
    )
    external_id = fields.Char(
        string="Marketplace Offer ID", index="btree_not_null", copy=False
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "sku_uniq",
            "unique(backend_id, seller_sku)",
            "A seller SKU is used by one offer per marketplace account.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        offers = super().create(vals_list)
        offers._replay_waiting_orders()
        return offers

    def write(self, vals):
        res = super().write(vals)
        if {"seller_sku", "ean", "marketplace_product_id", "product_id"} & set(vals):
            self._replay_waiting_orders()
        return res

    def _replay_waiting_orders(self):
        codes = {
            code for offer in self for code in (offer.seller_sku, offer.ean) if code
        }
        if codes:
            self.env["mp.order.binding"].sudo()._replay_waiting_for(codes)
