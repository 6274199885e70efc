from odoo import fields, models


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
            partner = self.env.user.partner_id
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
