from odoo import fields, models
from odoo.osv import expression


class ProductPricelist(models.Model):
    """Negotiated (confidential) pricelists.

    Stock Odoo lets portal and public users read every pricelist and every
    pricelist rule. A pricelist flagged ``b2b_negotiated`` is readable by portal
    and public users only when it is the pricelist of their own company (the
    ``property_product_pricelist`` of their commercial partner, see the record
    rules in ``security/b2b_portal_security.xml``). The flag is explicit: staff
    set it on the pricelists negotiated with a customer.

    On the website, a negotiated pricelist is never listed among the website's
    pricelists (so never offered in the pricelist selector nor chosen by GeoIP),
    but it is used for the partners it is assigned to on any website of its
    company, whatever its ``selectable`` flag.
    """

    _inherit = "product.pricelist"

    b2b_negotiated = fields.Boolean(
        string="Negotiated (B2B)",
        help="A negotiated pricelist is confidential: portal and public users can "
        "read it (and its rules) only when it is the pricelist of their own company, "
        "and the website uses it only for those companies. Other pricelists stay "
        "readable by everyone, as in standard Odoo.",
    )

    def _get_website_pricelists_domain(self, website):
        return expression.AND(
            [
                super()._get_website_pricelists_domain(website),
                [("b2b_negotiated", "=", False)],
            ]
        )

    def _is_available_on_website(self, website):
        self.ensure_one()
        if self.b2b_negotiated:
            if self.company_id and self.company_id != website.company_id:
                return False
            return self.active and self.website_id in (
                website,
                self.website_id.browse(),
            )
        return super()._is_available_on_website(website)
