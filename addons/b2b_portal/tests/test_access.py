from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .test_accounts import make_b2b_company, make_b2b_user


@tagged("post_install", "-at_install")
class TestAccess(HttpCase):
    """Portal users of company A never see company B's prices or documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        currency = cls.website.company_id.currency_id
        Pricelist = cls.env["product.pricelist"]
        cls.product = cls.env["product.product"].create(
            {
                "name": "B2B Access Test Breaker",
                "list_price": 100.0,
                "is_published": True,
                "sale_ok": True,
            }
        )
        cls.public_pricelist = Pricelist.create(
            {
                "name": "Public Test Pricelist",
                "currency_id": currency.id,
                "selectable": True,
            }
        )

        def negotiated(name, price):
            return Pricelist.create(
                {
                    "name": name,
                    "currency_id": currency.id,
                    "b2b_negotiated": True,
                    "item_ids": [
                        (
                            0,
                            0,
                            {
                                "applied_on": "0_product_variant",
                                "product_id": cls.product.id,
                                "compute_price": "fixed",
                                "fixed_price": price,
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "applied_on": "0_product_variant",
                                "product_id": cls.product.id,
                                "min_quantity": 10,
                                "compute_price": "fixed",
                                "fixed_price": price - 10,
                            },
                        ),
                    ],
                }
            )

        cls.pricelist_a = negotiated("Negotiated A", 73.25)
        cls.pricelist_b = negotiated("Negotiated B", 61.75)
        cls.company_a = make_b2b_company(
            cls.env, "Company A", pricelist=cls.pricelist_a
        )
        cls.company_b = make_b2b_company(
            cls.env, "Company B", pricelist=cls.pricelist_b
        )
        cls.user_a = make_b2b_user(cls.env, cls.company_a, "b2b.a.buyer", "buyer", 1000)
        cls.viewer_a = make_b2b_user(cls.env, cls.company_a, "b2b.a.viewer", "viewer")
        cls.user_b = make_b2b_user(cls.env, cls.company_b, "b2b.b.buyer", "buyer")
        cls.address_b = cls.env["res.partner"].create(
            {"name": "B Warehouse", "type": "delivery", "parent_id": cls.company_b.id}
        )
        cls.order_b = cls.env["sale.order"].create(
            {
                "partner_id": cls.user_b.partner_id.id,
                "pricelist_id": cls.pricelist_b.id,
                "order_line": [(0, 0, {"product_id": cls.product.id})],
            }
        )
        cls.signup_request = cls.env["b2b.signup.request"].create(
            {"name": "Some Co", "contact_name": "Some One", "email": "s@example.com"}
        )

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
            },
        )

    def _assert_access_error(self, model, method, *args, **kwargs):
        with (
            mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"),
            self.assertRaises(JsonRpcException) as caught,
        ):
            self._call(model, method, *args, **kwargs)
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")

    def test_own_company_pricelist(self):
        self.assertEqual(
            self.user_a.partner_id.property_product_pricelist, self.pricelist_a
        )

    def test_pricelists_over_jsonrpc(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        records = self._call("product.pricelist", "search_read", [], fields=["name"])
        ids = {r["id"] for r in records}
        self.assertIn(self.pricelist_a.id, ids)
        self.assertIn(self.public_pricelist.id, ids)
        self.assertNotIn(self.pricelist_b.id, ids)
        items = self._call(
            "product.pricelist.item",
            "search_read",
            [],
            fields=["pricelist_id", "fixed_price"],
        )
        item_pricelists = {item["pricelist_id"][0] for item in items}
        self.assertIn(self.pricelist_a.id, item_pricelists)
        self.assertNotIn(self.pricelist_b.id, item_pricelists)
        self.assertNotIn(61.75, {item["fixed_price"] for item in items})
        self._assert_access_error(
            "product.pricelist", "read", [self.pricelist_b.id], ["name"]
        )
        self._assert_access_error(
            "product.pricelist.item",
            "read",
            self.pricelist_b.item_ids.ids,
            ["fixed_price"],
        )

    def test_pricelists_public_user(self):
        public = self.env.ref("base.public_user")
        Pricelist = self.env["product.pricelist"].with_user(public)
        visible = Pricelist.search([])
        self.assertIn(self.public_pricelist, visible)
        self.assertFalse(visible & (self.pricelist_a | self.pricelist_b))
        items = self.env["product.pricelist.item"].with_user(public).search([])
        self.assertFalse(items & (self.pricelist_a | self.pricelist_b).item_ids)

    def test_other_documents_over_jsonrpc(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        partners = self._call("res.partner", "search_read", [], fields=["name"])
        partner_ids = {p["id"] for p in partners}
        self.assertIn(self.user_a.partner_id.id, partner_ids)
        self.assertFalse(
            partner_ids
            & {self.company_b.id, self.user_b.partner_id.id, self.address_b.id}
        )
        self._assert_access_error(
            "res.partner",
            "read",
            [self.user_b.partner_id.id, self.address_b.id],
            ["name"],
        )
        self.assertFalse(
            self._call("sale.order", "search", [("id", "=", self.order_b.id)])
        )
        self._assert_access_error("sale.order", "read", [self.order_b.id], ["name"])
        self._assert_access_error(
            "res.partner",
            "write",
            [self.user_a.partner_id.id],
            {"b2b_role": "approver", "b2b_order_limit": 0},
        )
        self._assert_access_error(
            "res.partner", "write", [self.company_a.id], {"b2b_state": "validated"}
        )
        self._assert_access_error(
            "b2b.signup.request", "search_read", [], fields=["name"]
        )
        self._assert_access_error(
            "b2b.signup.request", "read", [self.signup_request.id], ["name"]
        )

    def test_website_pricelists(self):
        """B's negotiated pricelist is never offered to A, A's is always used."""
        self.assertFalse(
            self.website.pricelist_ids & (self.pricelist_a | self.pricelist_b)
        )
        website = self.website.with_user(self.user_a)
        for show_visible in (False, True):
            available = website.get_pricelist_available(show_visible=show_visible)
            self.assertIn(self.pricelist_a, available)
            self.assertNotIn(self.pricelist_b, available)
        self.assertEqual(website._get_current_pricelist(), self.pricelist_a)
        # a negotiated pricelist needs neither a website nor "selectable"
        self.pricelist_a.write({"website_id": False, "selectable": False})
        self.env.registry.clear_cache()
        self.assertEqual(website._get_current_pricelist(), self.pricelist_a)
        self.assertEqual(
            self.website.with_user(self.user_b)._get_current_pricelist(),
            self.pricelist_b,
        )

    def test_shop_shows_negotiated_price(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open(self.product.product_tmpl_id.website_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("73.25", response.text)
        self.assertNotIn("61.75", response.text)
        response = self.url_open("/shop?search=B2B+Access+Test+Breaker")
        self.assertEqual(response.status_code, 200)
        self.assertIn("73.25", response.text)
        # and B's user sees B's price
        self.authenticate(self.user_b.login, self.user_b.login)
        response = self.url_open(self.product.product_tmpl_id.website_url)
        self.assertIn("61.75", response.text)
        self.assertNotIn("73.25", response.text)

    def test_shop_public_user_price(self):
        response = self.url_open(self.product.product_tmpl_id.website_url)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("73.25", response.text)
        self.assertNotIn("61.75", response.text)

    def test_my_company_page(self):
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open("/my/b2b/company")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.user_a.partner_id.name, response.text)
        self.assertIn(self.viewer_a.partner_id.name, response.text)
        self.assertNotIn(self.user_b.partner_id.name, response.text)
        self.assertNotIn("Company B", response.text)
        self.assertNotIn("o_b2b_cannot_order", response.text)
        home = self.url_open("/my")
        self.assertIn("/my/b2b/company", home.text)

    def test_my_company_page_viewer(self):
        self.assertFalse(self.viewer_a._b2b_can_order())
        self.authenticate(self.viewer_a.login, self.viewer_a.login)
        response = self.url_open("/my/b2b/company")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.user_a.partner_id.name, response.text)
        self.assertIn("o_b2b_cannot_order", response.text)

    def test_my_company_page_not_b2b(self):
        self.company_a.b2b_state = "none"
        self.authenticate(self.user_a.login, self.user_a.login)
        response = self.url_open("/my/b2b/company", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertNotIn("/my/b2b/company", self.url_open("/my").text)
