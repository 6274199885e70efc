from urllib.parse import urlencode

from odoo import fields
from odoo.exceptions import AccessError
from odoo.http import request, route

from odoo.addons.website_sale.controllers.main import WebsiteSale
from odoo.addons.website_sale_stock.controllers.variant import (
    WebsiteSaleStockVariantController,
)

RESTRICTED_TEMPLATE = "b2b_portal.b2b_catalogue_restricted"


def _b2b_catalogue_allowed():
    """True when the current user may see the shop and prices of the website."""
    return request.env.user._b2b_can_see_catalogue(request.website)


def _b2b_render_restricted():
    """The page inviting to sign in or request a B2B account."""
    redirect = request.httprequest.full_path.rstrip("?")
    return request.render(
        RESTRICTED_TEMPLATE,
        {
            "redirect": redirect,
            "login_url": "/web/login?" + urlencode({"redirect": redirect}),
        },
        status=403,
    )


def _b2b_check_catalogue_access():
    """Raise for JSON routes when the catalogue is reserved to B2B users."""
    if not _b2b_catalogue_allowed():
        raise AccessError(
            request.env._("The catalogue is reserved to signed-in B2B customers.")
        )


class B2BWebsiteSale(WebsiteSale):
    # --- B2B-only catalogue -------------------------------------------------

    @route()
    def shop(self, *args, **kwargs):
        if not _b2b_catalogue_allowed():
            return _b2b_render_restricted()
        return super().shop(*args, **kwargs)

    @route()
    def product(self, product, *args, **kwargs):
        if not _b2b_catalogue_allowed():
            return _b2b_render_restricted()
        return super().product(product, *args, **kwargs)

    @route()
    def cart(self, *args, **kwargs):
        if not _b2b_catalogue_allowed():
            return _b2b_render_restricted()
        return super().cart(*args, **kwargs)

    @route()
    def cart_update(self, *args, **kwargs):
        if not _b2b_catalogue_allowed():
            return _b2b_render_restricted()
        return super().cart_update(*args, **kwargs)

    @route()
    def cart_update_json(self, *args, **kwargs):
        _b2b_check_catalogue_access()
        return super().cart_update_json(*args, **kwargs)

    # --- Product page: tiers, tax-included price, stock and lead time -------

    def _prepare_product_values(self, product, category, search, **kwargs):
        values = super()._prepare_product_values(product, category, search, **kwargs)
        variant = request.env["product.product"].browse(
            product._get_first_possible_variant_id()
        )
        if variant:
            values["b2b_product_info"] = self._b2b_product_info(variant)
        return values

    def _b2b_product_info(self, product):
        """Prices and availability shown to B2B users on the product page.

        :param product: the product.product displayed
        :returns: dict with
            ``tiers``: list of (quantity, unit price tax excluded) from the
            current pricelist's items with a minimum quantity above 1, each
            price computed by the pricelist for that quantity;
            ``is_b2b``: the user belongs to a validated B2B account;
            ``price_excluded`` / ``price_included``: the unit price for one;
            ``stock``: None, or a dict (``in_stock``, ``free_qty``, ``days``)
        """
        website = request.website
        user = request.env.user
        pricelist = website.pricelist_id.sudo()
        currency = website.currency_id
        date = fields.Date.context_today(website)
        company = website.company_id
        product_taxes = product.sudo().taxes_id._filter_taxes_by_company(company)
        taxes = website.fiscal_position_id.sudo().map_tax(product_taxes)

        def unit_prices(quantity):
            price = pricelist._get_product_price(
                product, quantity, currency=currency, date=date
            )
            # A price including taxes is turned into the "net" price first.
            price = request.env[
                "product.product"
            ]._get_tax_included_unit_price_from_price(
                price, product_taxes, product_taxes_after_fp=taxes
            )
            result = taxes.compute_all(price, currency, 1, product=product)
            return result["total_excluded"], result["total_included"]

        price_excluded, price_included = unit_prices(1.0)
        tiers = []
        if pricelist:
            rules = pricelist._get_applicable_rules(product, date)
            quantities = sorted(
                {
                    rule.min_quantity
                    for rule in rules
                    if rule.min_quantity > 1
                    and rule._is_applicable_for(product, rule.min_quantity)
                }
            )
            for quantity in quantities:
                tier_price = unit_prices(quantity)[0]
                if currency.compare_amounts(tier_price, price_excluded) < 0:
                    tiers.append((quantity, tier_price))

        is_b2b = not user._is_public() and user.partner_id._b2b_is_validated()
        stock = None
        if is_b2b and product.is_storable:
            free_qty = website._get_product_available_qty(product.sudo())
            in_stock = free_qty > 0
            days = product.sale_delay
            if not in_stock:
                days += product.sudo().seller_ids[:1].delay
            stock = {"in_stock": in_stock, "free_qty": free_qty, "days": days}
        return {
            "tiers": tiers,
            "is_b2b": is_b2b,
            "price_excluded": price_excluded,
            "price_included": price_included,
            "currency": currency,
            "stock": stock,
        }


class B2BWebsiteSaleVariant(WebsiteSaleStockVariantController):
    @route()
    def get_combination_info_website(self, *args, **kwargs):
        _b2b_check_catalogue_access()
        return super().get_combination_info_website(*args, **kwargs)
