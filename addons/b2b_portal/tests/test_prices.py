from lxml import html

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestPrices(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        cls.website.write(
            {"b2b_only": False, "show_line_subtotals_tax_selection": "tax_excluded"}
        )
        company = cls.website.company_id
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "B2B test VAT 20%",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
        product_vals = {
            "sale_ok": True,
            "is_published": True,
            "website_id": False,
            "taxes_id": [(6, 0, cls.tax.ids)],
        }
        cls.product = cls.env["product.template"].create(
            dict(product_vals, name="B2B Tiered Cable", list_price=10.0, type="consu")
        )
        cls.moq_product = cls.env["product.template"].create(
            dict(
                product_vals,
                name="B2B Boxed Screws",
                list_price=2.0,
                type="consu",
                b2b_min_qty=10,
                b2b_pack_qty=5,
            )
        )
        pricelist_vals = {"currency_id": company.currency_id.id, "company_id": False}
        # A: a backend pricelist (no website, not selectable): website_sale alone
        # would ignore it on the shop.
        cls.pricelist_a = cls.env["product.pricelist"].create(
            dict(
                pricelist_vals,
                name="Negotiated A",
                b2b_negotiated=True,
                website_id=False,
                selectable=False,
                item_ids=[
                    (0, 0, cls._fixed_item(cls.product, 0, 5.00)),
                    (0, 0, cls._fixed_item(cls.product, 10, 4.20)),
                    (0, 0, cls._fixed_item(cls.product, 50, 3.95)),
                ],
            )
        )
        # B: a pricelist attached to the website.
        cls.pricelist_b = cls.env["product.pricelist"].create(
            dict(
                pricelist_vals,
                name="Negotiated B",
                b2b_negotiated=True,
                website_id=cls.website.id,
                selectable=False,
                item_ids=[(0, 0, cls._fixed_item(cls.product, 0, 6.50))],
            )
        )
        cls.user_a = cls._b2b_user("Company A", "b2b_a_buyer", cls.pricelist_a)
        cls.user_b = cls._b2b_user("Company B", "b2b_b_buyer", cls.pricelist_b)
        cls.user_other = cls._b2b_user(
            "Company C", "b2b_c_buyer", cls.pricelist_a, state="pending"
        )

    @classmethod
    def _fixed_item(cls, template, min_quantity, price):
        return {
            "applied_on": "1_product",
            "product_tmpl_id": template.id,
            "compute_price": "fixed",
            "fixed_price": price,
            "min_quantity": min_quantity,
        }

    @classmethod
    def _b2b_user(cls, company_name, login, pricelist, state="validated"):
        company = cls.env["res.partner"].create(
            {
                "name": company_name,
                "is_company": True,
                "b2b_state": state,
                "property_product_pricelist": pricelist.id,
            }
        )
        contact = cls.env["res.partner"].create(
            {
                "name": f"{login} contact",
                "parent_id": company.id,
                "email": f"{login}@example.com",
            }
        )
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups="base.group_portal",
            partner_id=contact.id,
        )

    # Helpers

    def _page(self, url):
        response = self.url_open(url)
        return response, html.fromstring(response.content)

    def _text(self, tree, css_class):
        nodes = tree.xpath(f"//*[contains(concat(' ', @class, ' '), ' {css_class} ')]")
        return " ".join(" ".join(node.text_content().split()) for node in nodes)

    def _cart_update(self, product, **params):
        return self.make_jsonrpc_request(
            "/shop/cart/update_json",
            dict(params, product_id=product.product_variant_id.id),
        )

    def _cart(self, user):
        return self.env["sale.order"].search(
            [
                ("partner_id", "=", user.partner_id.id),
                ("website_id", "=", self.website.id),
            ],
            order="id desc",
            limit=1,
        )

    # Company pricelist and tiers

    def test_company_pricelist_and_tiers_on_product_page(self):
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        response, tree = self._page(self.product.website_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("5.00", self._text(tree, "oe_price"))
        tiers = self._text(tree, "b2b_price_tiers")
        self.assertIn("From 10:", tiers)
        self.assertIn("4.20", tiers)
        self.assertIn("From 50:", tiers)
        self.assertIn("3.95", tiers)
        self.assertLess(tiers.index("4.20"), tiers.index("3.95"))
        taxes = self._text(tree, "b2b_price_taxes")
        self.assertIn("5.00", taxes)
        self.assertIn("excl. VAT", taxes)
        self.assertIn("6.00", taxes)
        self.assertIn("incl. VAT", taxes)

    def test_backend_pricelist_of_b2b_company_wins(self):
        # Not negotiated, no website, not selectable: website_sale alone would
        # fall back to a website pricelist.
        self.pricelist_a.b2b_negotiated = False
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        _response, tree = self._page(self.product.website_url)
        self.assertIn("5.00", self._text(tree, "oe_price"))
        self.assertIn("4.20", self._text(tree, "b2b_price_tiers"))

    def test_company_pricelist_in_listing_and_search(self):
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        response, tree = self._page("/shop?search=Tiered+Cable")
        self.assertEqual(response.status_code, 200)
        self.assertIn("B2B Tiered Cable", response.text)
        self.assertIn("5.00", self._text(tree, "oe_currency_value"))
        self.assertNotIn("10.00", self._text(tree, "oe_currency_value"))

    def test_other_company_never_sees_a_prices(self):
        self.authenticate("b2b_b_buyer", "b2b_b_buyer")
        response, tree = self._page(self.product.website_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("6.50", self._text(tree, "oe_price"))
        self.assertFalse(self._text(tree, "b2b_price_tiers"))
        for price in ("5.00", "4.20", "3.95"):
            self.assertNotIn(price, response.text)
        response, tree = self._page("/shop?search=Tiered+Cable")
        self.assertIn("6.50", self._text(tree, "oe_currency_value"))
        self.assertNotIn("5.00", response.text)

    def test_public_user_has_no_b2b_prices(self):
        response, tree = self._page(self.product.website_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("10.00", self._text(tree, "oe_price"))
        self.assertFalse(self._text(tree, "b2b_price_tiers"))
        self.assertFalse(self._text(tree, "b2b_price_taxes"))

    def test_cart_uses_tier_price(self):
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        result = self._cart_update(self.product, add_qty=10)
        self.assertEqual(result["quantity"], 10)
        order = self._cart(self.user_a)
        self.assertEqual(order.pricelist_id, self.pricelist_a)
        line = order.order_line.filtered(
            lambda sol: sol.product_template_id == self.product
        )
        self.assertAlmostEqual(line.price_unit, 4.20)
        _response, tree = self._page("/shop/cart")
        self.assertIn("42.00", self._text(tree, "oe_currency_value"))
        # Back under the tier: the base negotiated price again.
        self._cart_update(self.product, line_id=line.id, set_qty=5)
        self.assertAlmostEqual(line.price_unit, 5.00)

    def test_cart_keeps_company_pricelist_after_partner_change(self):
        order = self.env["sale.order"].create(
            {"partner_id": self.user_b.partner_id.id, "website_id": self.website.id}
        )
        order.partner_id = self.user_a.partner_id
        self.assertEqual(order.pricelist_id, self.pricelist_a)

    # MOQ and packs

    def test_moq_and_pack_refused_on_cart_update(self):
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        result = self._cart_update(self.moq_product, add_qty=3)
        self.assertEqual(result["quantity"], 0)
        self.assertIn(
            "The minimum order quantity of B2B Boxed Screws is 10.",
            result["notification_info"]["warning"],
        )
        result = self._cart_update(self.moq_product, add_qty=12)
        self.assertEqual(result["quantity"], 0)
        self.assertIn("sold by packs of 5", result["notification_info"]["warning"])
        order = self._cart(self.user_a)
        self.assertFalse(
            order.order_line.filtered(
                lambda sol: sol.product_template_id == self.moq_product
            )
        )
        result = self._cart_update(self.moq_product, add_qty=15)
        self.assertEqual(result["quantity"], 15)
        self.assertFalse(result["notification_info"]["warning"])
        order = self._cart(self.user_a)
        line = order.order_line.filtered(
            lambda sol: sol.product_template_id == self.moq_product
        )
        self.assertEqual(line.product_uom_qty, 15)
        # Changing the quantity in the cart to a non multiple keeps the line as is.
        result = self._cart_update(self.moq_product, line_id=line.id, set_qty=17)
        self.assertEqual(result["quantity"], 15)
        self.assertIn("sold by packs of 5", result["notification_info"]["warning"])
        self.assertEqual(line.product_uom_qty, 15)

    def test_moq_refused_on_form_post_shows_warning(self):
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        self._cart_update(self.product, add_qty=1)  # creates the cart
        _response, tree = self._page(self.moq_product.website_url)
        csrf_token = tree.xpath("//input[@name='csrf_token']/@value")[0]
        response = self.url_open(
            "/shop/cart/update",
            data={
                "product_id": self.moq_product.product_variant_id.id,
                "add_qty": 4,
                "csrf_token": csrf_token,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "The minimum order quantity of B2B Boxed Screws is 10.", response.text
        )
        order = self._cart(self.user_a)
        self.assertNotIn(self.moq_product, order.order_line.product_template_id)

    # Stock and lead time

    def test_stock_and_lead_time_for_b2b_users(self):
        stocked = self.env["product.template"].create(
            {
                "name": "B2B Stocked Relay",
                "type": "consu",
                "is_storable": True,
                "list_price": 3.0,
                "sale_delay": 2,
                "is_published": True,
                "sale_ok": True,
            }
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.website.company_id.id)], limit=1
        )
        self.env["stock.quant"]._update_available_quantity(
            stocked.product_variant_id, warehouse.lot_stock_id, 34
        )
        missing = self.env["product.template"].create(
            {
                "name": "B2B Missing Relay",
                "type": "consu",
                "is_storable": True,
                "list_price": 3.0,
                "sale_delay": 3,
                "is_published": True,
                "sale_ok": True,
                "seller_ids": [
                    (0, 0, {"partner_id": self.user_b.partner_id.id, "delay": 7})
                ],
            }
        )
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        _response, tree = self._page(stocked.website_url)
        self.assertEqual(
            self._text(tree, "b2b_stock"), "In stock: 34 · ships in 2 days"
        )
        _response, tree = self._page(missing.website_url)
        self.assertEqual(
            self._text(tree, "b2b_stock"), "Out of stock · available in 10 days"
        )
        self.authenticate(None, None)
        _response, tree = self._page(stocked.website_url)
        self.assertFalse(self._text(tree, "b2b_stock"))

    # B2B-only catalogue

    def _autocomplete_count(self):
        result = self.make_jsonrpc_request(
            "/website/snippet/autocomplete",
            {
                "search_type": "products",
                "term": "Tiered Cable",
                "order": "name asc",
                "limit": 5,
                "options": {
                    "displayImage": False,
                    "displayDescription": False,
                    "displayExtraLink": False,
                    "displayDetail": True,
                    "allowFuzzy": False,
                },
            },
        )
        return result["results_count"]

    def test_b2b_only_catalogue(self):
        self.website.b2b_only = True
        urls = ["/shop?search=Tiered+Cable", self.product.website_url, "/shop/cart"]
        for login in (None, "b2b_c_buyer"):
            self.authenticate(login, login)
            for url in urls:
                with self.subTest(login=login, url=url):
                    response = self.url_open(url)
                    self.assertEqual(response.status_code, 403)
                    self.assertIn("/b2b/signup", response.text)
                    self.assertNotIn("B2B Tiered Cable", response.text)
                    self.assertNotIn("oe_price", response.text)
            with self.subTest(login=login, url="/shop/cart/update_json"):
                with (
                    mute_logger("odoo.http"),
                    self.assertRaises(JsonRpcException) as error,
                ):
                    self._cart_update(self.product, add_qty=1)
                self.assertIn("AccessError", str(error.exception))
            with self.subTest(login=login, url="/website/snippet/autocomplete"):
                self.assertEqual(self._autocomplete_count(), 0)
        self.authenticate("b2b_a_buyer", "b2b_a_buyer")
        for url in urls[:2]:
            with self.subTest(login="b2b_a_buyer", url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn("B2B Tiered Cable", response.text)
        self.assertEqual(self._cart_update(self.product, add_qty=1)["quantity"], 1)
        self.assertEqual(self._autocomplete_count(), 1)
        self.assertEqual(self.url_open("/shop/cart").status_code, 200)

    # Tour

    def test_tour_b2b_prices(self):
        self.start_tour(
            self.product.website_url, "b2b_prices", login="b2b_a_buyer", timeout=120
        )
        order = self._cart(self.user_a)
        self.assertEqual(order.order_line.product_uom_qty, 10)
        self.assertAlmostEqual(order.order_line.price_unit, 4.20)
