from odoo import SUPERUSER_ID, fields, models


class Website(models.Model):
    _inherit = "website"

    b2b_only = fields.Boolean(
        string="B2B Catalogue Only",
        help="The shop, the product pages, the prices and the quick order are "
        "shown only to signed-in users of validated B2B accounts; other visitors "
        "see a page inviting them to sign in or request an account.",
    )
    b2b_signup_policy = fields.Selection(
        [("open", "Requests allowed"), ("closed", "Closed")],
        default="open",
        required=True,
        help="Open: professionals may request a B2B account from the website "
        "(/b2b/signup); staff validate the requests. Closed: the request form is "
        "not available.",
    )
    # --- H16B: order on account ---
    b2b_order_on_account = fields.Boolean(
        string="Order on Account",
        default=True,
        help="Let B2B customers whose payment terms are deferred (nothing due on "
        "the invoice date, e.g. 30 days) confirm their order on the payment page "
        "without paying online; they pay the invoice by its due date. Customers "
        "with immediate payment terms always pay online.",
    )
    # --- end H16B ---

    # --- H4: pricelist of the B2B company ---
    # The negotiated pricelist of a validated B2B company always applies to its
    # users on the website, even when website_sale would not consider it
    # "available" (no website, not selectable, no promo code: a backend
    # pricelist) and whatever pricelist the session or an old cart selected.

    def _b2b_get_partner_pricelist(self, partner=None):
        """Return (sudo) the pricelist assigned to the B2B company of partner.

        :param partner: a res.partner; defaults to the current user's partner
            (nothing for the public user)
        :returns: the pricelist set on the commercial partner of a validated B2B
            account, when it is active and usable by the website's company;
            an empty recordset otherwise
        """
        self.ensure_one()
        Pricelist = self.env["product.pricelist"]
        if partner is None:
            if self.env.user._is_public():
                return Pricelist
            # H6: a sales rep acting for a customer gets the customer's pricelist.
            partner = self._b2b_acting_partner() or self.env.user.partner_id
        commercial = partner.sudo().commercial_partner_id
        if not commercial or commercial.b2b_state != "validated":
            return Pricelist
        # The specific (assigned) pricelist, not the computed one: in a website
        # request, property_product_pricelist drops pricelists that are not
        # available on the website and falls back to a generic one.
        pricelist = commercial.with_company(
            self.company_id
        ).specific_property_product_pricelist
        if not pricelist.active or (
            pricelist.company_id and pricelist.company_id != self.company_id
        ):
            return Pricelist
        return pricelist.sudo()

    def _get_current_pricelist(self):
        return self._b2b_get_partner_pricelist() or super()._get_current_pricelist()

    def get_pricelist_available(self, show_visible=False):
        pricelist = self._b2b_get_partner_pricelist()
        if pricelist:
            # The B2B company's pricelist is the only one for its users.
            return self.env["product.pricelist"].browse(pricelist.ids)
        return super().get_pricelist_available(show_visible=show_visible)

    def has_ecommerce_access(self):
        # website_sale hides with this the cart, the products in the website
        # search and snippets, and refuses adding to cart: the B2B-only catalogue
        # adds its own condition (the shop pages render the restricted page, see
        # controllers/main.py).
        return super().has_ecommerce_access() and self.env.user._b2b_can_see_catalogue(
            self
        )

    # --- H6: a sales rep acting for a customer ---
    # The session key holds the id of the B2B company a sales rep orders for.
    # It is checked on every use (the user must still manage that validated
    # account): a stale or forged value is dropped, never trusted.

    _b2b_act_session_key = "b2b_act_partner_id"

    def _b2b_acting_partner(self):
        """The B2B company the current user is acting for (sudo), or nothing."""
        from odoo.http import request

        Partner = self.env["res.partner"]
        session = request and getattr(request, "session", None)
        if not session or not session.get(self._b2b_act_session_key):
            return Partner
        partner = Partner.sudo().browse(session[self._b2b_act_session_key]).exists()
        if not partner or not self.env.user._b2b_can_act_for(partner):
            session.pop(self._b2b_act_session_key, None)
            return Partner
        return partner

    def sale_get_order(self, force_create=False):
        customer = self._b2b_acting_partner()
        if not customer:
            return super().sale_get_order(force_create=force_create)
        from odoo.http import request

        website = self.with_company(self.company_id)
        SaleOrder = website.env["sale.order"].sudo()
        order = SaleOrder.browse(request.session.get("sale_order_id")).exists()
        if order and (
            order.state != "draft"
            or order.partner_id.commercial_partner_id != customer
            or order.get_portal_last_transaction().state
            in ("pending", "authorized", "done")
        ):
            order = SaleOrder
        if not order and not force_create:
            request.session.pop("sale_order_id", None)
            request.session.pop("website_sale_cart_quantity", None)
            return website.env["sale.order"]
        if not order:
            values = website._prepare_sale_order_values(customer)
            order = SaleOrder.with_user(SUPERUSER_ID).create(values)
            order = order.with_user(website.env.user).sudo()
            request.session["sale_order_id"] = order.id
            request.session["website_sale_cart_quantity"] = order.cart_quantity
        return order

    def _prepare_sale_order_values(self, partner_sudo):
        values = super()._prepare_sale_order_values(partner_sudo)
        if self._b2b_acting_partner():
            # The customer's order, the rep as salesperson.
            values["user_id"] = self.env.user.id
        return values

    def _get_current_fiscal_position(self):
        customer = self._b2b_acting_partner()
        if customer:
            return (
                self.env["account.fiscal.position"]
                .sudo()
                ._get_fiscal_position(customer)
            )
        return super()._get_current_fiscal_position()
