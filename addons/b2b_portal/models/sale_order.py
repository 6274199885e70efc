from odoo import api, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.depends("partner_id", "company_id")
    def _compute_pricelist_id(self):
        """Keep the B2B company's pricelist on website carts.

        In a website request, property_product_pricelist ignores a pricelist that
        is not available on the website; a cart whose customer changes (sign-in
        after filling the cart) would then fall back to a generic pricelist.
        """
        res = super()._compute_pricelist_id()
        for order in self:
            if order.state != "draft" or not order.website_id or not order.partner_id:
                continue
            pricelist = order.website_id._b2b_get_partner_pricelist(order.partner_id)
            if pricelist:
                order.pricelist_id = pricelist
        return res

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        """Refuse a cart quantity below the minimum or not a multiple of the pack.

        The line keeps its previous quantity (no line is created for a new
        product) and the message of ``product.product._b2b_quantity_error`` is
        returned as the warning, and set on the cart so that ``/shop/cart``
        shows it after a plain form post.
        """
        self.ensure_one()
        product = self.env["product.product"].browse(product_id).exists()
        error = product and product._b2b_quantity_error(new_qty)
        if error:
            self.shop_warning = error
            return (order_line.product_uom_qty if order_line else 0), error
        return super()._verify_updated_quantity(
            order_line, product_id, new_qty, **kwargs
        )
