import math
import threading
from urllib.parse import urlencode

from cachetools import TTLCache

from odoo import fields
from odoo.exceptions import AccessError
from odoo.http import request, route
from odoo.osv import expression
from odoo.tools import SQL, lazy

from odoo.addons.website_sale.controllers.main import WebsiteSale
from odoo.addons.website_sale_stock.controllers.variant import (
    WebsiteSaleStockVariantController,
)

RESTRICTED_TEMPLATE = "b2b_portal.b2b_catalogue_restricted"

#: What a shop page computes over all the matches of its search (their count,
#: attributes, categories, the page's product ids, the fuzzy term of a search
#: without match), cached per worker process. The key holds the search's SQL
#: (its filters, record rules and language) and the last change of the
#: catalogue, so a product, attribute or category written shows at once; the
#: time limit bounds what the key cannot see (a product deleted).
SHOP_CACHE_TTL = 300
_shop_cache = TTLCache(maxsize=4096, ttl=SHOP_CACHE_TTL)
_shop_cache_lock = threading.Lock()
#: Tests run every request in one transaction, where ``write_date`` stays
#: the same: the cache is off in test mode unless a test turns it on.
SHOP_CACHE_IN_TESTS = False


def _catalogue_version(env):
    """The last change of what the shop lists (indexed: SHOP_INDEXES)."""
    return tuple(
        env.execute_query(
            SQL(
                "SELECT (SELECT max(write_date) FROM product_template),"
                " (SELECT max(id) FROM product_template),"
                " (SELECT max(write_date) FROM product_product),"
                " (SELECT max(id) FROM product_product),"
                " (SELECT max(write_date) FROM product_attribute),"
                " (SELECT max(write_date) FROM product_attribute_value),"
                " (SELECT max(write_date) FROM product_public_category)"
            )
        )[0]
    )


def _shop_cached(paging, kind, key, compute):
    """``compute()``, or its value cached for the same ``key`` and catalogue.

    :param paging: the request's shop paging (holds the catalogue version)
    :param key: hashable; an ``SQL`` is keyed by its code and parameters
    """
    env = request.env
    if env.registry.in_test_mode() and not SHOP_CACHE_IN_TESTS:
        return compute()

    def hashable(part):
        return (part.code, repr(part.params)) if isinstance(part, SQL) else part

    key = tuple(map(hashable, key)) if isinstance(key, tuple) else hashable(key)
    full_key = (
        env.cr.dbname,
        request.website.id,
        env.lang,
        kind,
        key,
        paging.setdefault("version", _catalogue_version(env)),
    )
    with _shop_cache_lock:
        if full_key in _shop_cache:
            return _shop_cache[full_key]
    value = compute()
    with _shop_cache_lock:
        _shop_cache[full_key] = value
    return value


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
    def shop(self, page=0, *args, **kwargs):
        if not _b2b_catalogue_allowed():
            return _b2b_render_restricted()
        # The page is fetched in SQL (_shop_lookup_products): the stock shop
        # then takes it from offset 0 and the pager is set back to the page
        # asked (_get_additional_extra_shop_values).
        request.b2b_shop_paging = {"page": page}
        return super().shop(0, *args, **kwargs)

    # --- Catalogue paged in SQL ----------------------------------------------

    def _shop_lookup_products(self, attrib_set, options, post, search, website):
        """The shop's page of products, searched and counted in SQL.

        Stock website_sale loads every matching product (50,000 in a
        distributor's catalogue) to slice one page of 20 and to list the
        attributes and categories of the matches. Here the page is fetched
        with ``offset``/``limit``, the count is a ``COUNT``, and the filters
        use the search as a sub-query (_get_additional_extra_shop_values). The
        fuzzy term is looked for only when the exact search finds nothing
        (the stock shop looks for it first, reading the catalogue's words,
        and keeps the exact term whenever it matches).
        """
        paging = getattr(request, "b2b_shop_paging", None)
        details = paging is not None and website._search_get_details(
            "products_only", self._get_search_order(post), options
        )
        if not details or len(details) != 1:
            return super()._shop_lookup_products(
                attrib_set, options, post, search, website
            )
        detail = details[0]
        Product = request.env[detail["model"]]
        if detail.get("requires_sudo"):
            Product = Product.sudo()

        def domain_for(term):
            return Product._search_build_domain(
                detail["base_domain"],
                term,
                detail["search_fields"],
                detail.get("search_extra"),
            )

        def count_for(domain):
            return _shop_cached(
                paging,
                "count",
                Product._search(domain).select(),
                lambda: Product.search_count(domain),
            )

        domain = domain_for(search)
        count = count_for(domain)
        fuzzy_term = False
        if not count and search and options.get("allowFuzzy", True):
            term = _shop_cached(
                paging,
                "fuzzy",
                search,
                lambda: website._search_find_fuzzy_term(details, search),
            )
            if term and term.lower() != search.lower():
                domain = domain_for(term)
                count = count_for(domain)
                fuzzy_term = term
        ppg = post.get("ppg") or website.shop_ppg or 20
        page = str(paging["page"])
        page = int(page) if page.isdigit() else 1
        page = max(1, min(page, math.ceil(count / ppg)))
        order = detail.get("order", self._get_search_order(post))
        offset = (page - 1) * ppg
        products = Product.browse(
            _shop_cached(
                paging,
                "page",
                (Product._search(domain).select(), order, offset, ppg),
                lambda: (
                    Product.search(domain, order=order, offset=offset, limit=ppg).ids
                ),
            )
        )
        paging.update(page=page, count=count, domain=domain, model=Product)
        return fuzzy_term, count, products.with_context(bin_size=True)

    def _get_additional_extra_shop_values(self, values, **post):
        """Set back what the stock shop computed from the page alone: the
        pager of the page asked, and the attributes and categories of all the
        matches (as sub-queries, not lists of ids)."""
        extra = super()._get_additional_extra_shop_values(values, **post)
        paging = getattr(request, "b2b_shop_paging", None)
        if not paging or "domain" not in paging:
            return extra
        website = request.website
        category = values.get("category")
        url = (
            f"/shop/category/{request.env['ir.http']._slug(category)}"
            if category
            else "/shop"
        )
        extra["pager"] = website.pager(
            url=url,
            total=paging["count"],
            page=paging["page"],
            step=values["ppg"],
            scope=5,
            url_args=post,
        )
        matches = paging["model"]._search(paging["domain"])
        matches_sql = matches.select()
        products = values["products"]
        if products:
            ProductAttribute = request.env["product.attribute"]
            extra["attributes"] = lazy(
                lambda: ProductAttribute.browse(
                    _shop_cached(
                        paging,
                        "attributes",
                        matches_sql,
                        lambda: (
                            ProductAttribute.search(
                                [
                                    ("product_tmpl_ids", "in", matches),
                                    ("visibility", "=", "visible"),
                                ]
                            ).ids
                        ),
                    )
                )
            )
            self._b2b_prefetch_shop_images(products)
        if post.get("search"):
            Category = request.env["product.public.category"]
            website_domain = website.website_domain()
            search_categories = Category.browse(
                _shop_cached(
                    paging,
                    "categories",
                    matches_sql,
                    lambda: (
                        Category.search(
                            [("product_tmpl_ids", "in", matches)] + website_domain
                        ).parents_and_self.ids
                    ),
                )
            )
            categories_domain = expression.AND(
                [
                    [("parent_id", "=", False)],
                    website_domain,
                    [("id", "in", search_categories.ids)],
                ]
            )
            extra["categories"] = lazy(lambda: Category.search(categories_domain))
            extra["search_categories_ids"] = search_categories.ids
        return extra

    @staticmethod
    def _b2b_prefetch_shop_images(products):
        """Read the images of the page's products and first variants in one go.

        Each product card asks its image holder (``_get_image_holder``): the
        template's image, else its first variant's, read one variant at a time
        with its access check. Read here in two queries for the whole page
        (sizes only: ``bin_size``), the cards find them in the cache.
        """
        products.mapped("image_128")
        variants = products.product_variant_ids
        variants.mapped("image_variant_128")

    def _get_shop_domain(
        self, search, category, attrib_values, search_in_description=True
    ):
        """The shop's price range domain, with the search made of indexed
        sub-queries as the product search is (product.template's
        _search_build_domain)."""
        if not search or any(
            self._add_search_subdomains_hook(term) for term in search.split(" ")
        ):
            return super()._get_shop_domain(
                search, category, attrib_values, search_in_description
            )
        fields = ["name", "product_variant_ids.default_code"]
        if search_in_description:
            fields += ["website_description", "description_sale"]
        search_domain = request.env["product.template"]._search_build_domain(
            [], search, fields
        )
        return expression.AND(
            [
                super()._get_shop_domain(
                    "", category, attrib_values, search_in_description
                ),
                search_domain,
            ]
        )

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
