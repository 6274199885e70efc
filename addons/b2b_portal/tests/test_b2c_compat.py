from odoo import Command, http
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .test_accounts import make_b2b_company, make_b2b_user


@tagged("post_install", "-at_install")
class TestB2CCompat(HttpCase):
    """The B2B rules stay with B2B accounts: other customers shop as in
    stock website_sale (website_sale's own tours keep passing)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        cls.website.b2b_only = False
        cls.boxed = cls.env["product.product"].create(
            {
                "name": "B2C Compat Boxed Screws",
                "type": "consu",
                "list_price": 10.0,
                "is_published": True,
                "sale_ok": True,
                "website_id": False,
                "taxes_id": [Command.clear()],
                "b2b_min_qty": 10,
                "b2b_pack_qty": 5,
            }
        )
        address = {
            "street": "1 rue de la Paix",
            "city": "Paris",
            "zip": "75002",
            "country_id": cls.env.ref("base.fr").id,
            "phone": "0102030405",
        }
        consumer = cls.env["res.partner"].create(
            dict(address, name="B2C Compat Consumer", email="consumer@example.com")
        )
        cls.consumer = new_test_user(
            cls.env,
            login="b2c.compat.consumer",
            password="b2c.compat.consumer",
            groups="base.group_portal",
            partner_id=consumer.id,
        )
        cls.company = make_b2b_company(cls.env, "B2C Compat Company", **address)
        cls.buyer = make_b2b_user(cls.env, cls.company, "b2c.compat.buyer", "buyer")
        cls.buyer.partner_id.write(address)

    def _update(self, **params):
        params.setdefault("product_id", self.boxed.id)
        return self.make_jsonrpc_request("/shop/cart/update_json", params)

    def _cart(self, partner):
        return self.env["sale.order"].search(
            [
                ("partner_id", "=", partner.id),
                ("website_id", "=", self.website.id),
                ("state", "=", "draft"),
            ],
            order="id desc",
            limit=1,
        )

    def _line(self, order):
        return order.order_line.filtered(lambda line: line.product_id == self.boxed)

    # --- customers outside B2B: stock website_sale ------------------------------

    def test_consumer_orders_any_quantity(self):
        self.authenticate(self.consumer.login, self.consumer.login)
        result = self._update(add_qty=1)
        self.assertEqual(result["quantity"], 1)
        self.assertFalse(result["notification_info"]["warning"])
        self.assertTrue(result["cart_ready"])
        self.assertIn("B2C Compat Boxed Screws", result["website_sale.cart_lines"])
        self.assertNotIn("b2b_cart_quantity_error", result["website_sale.cart_lines"])
        order = self._cart(self.consumer.partner_id)
        self.assertEqual(self._line(order).product_uom_qty, 1)
        self.assertTrue(order._is_cart_ready())
        self.assertFalse(order._b2b_is_b2b_cart())
        response = self.url_open("/shop/checkout", allow_redirects=False)
        self.assertNotIn("/shop/cart", response.headers.get("Location", ""))

    def test_public_user_and_staff_order_any_quantity(self):
        self.authenticate(None, None)
        self.assertEqual(self._update(add_qty=1)["quantity"], 1)
        self.authenticate("admin", "admin")
        result = self._update(add_qty=2)
        self.assertEqual(result["quantity"], 2)
        self.assertFalse(result["notification_info"]["warning"])

    def test_credit_limit_is_a_b2b_rule(self):
        self.env.company.account_use_credit_limit = True
        (self.consumer.partner_id | self.company).write(
            {"credit_limit": 50.0, "use_partner_credit_limit": True}
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "website_id": self.website.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.boxed.id, "product_uom_qty": 10}
                        )
                    ],
                }
                for partner in (self.consumer.partner_id, self.buyer.partner_id)
            ]
        )
        self.assertIsNone(orders[0]._b2b_checkout_block())
        self.assertEqual(orders[1]._b2b_checkout_block(), "credit")

    # --- B2B accounts keep their rules ---------------------------------------------

    def test_b2b_buyer_keeps_minimum_and_packs(self):
        self.authenticate(self.buyer.login, self.buyer.login)
        result = self._update(add_qty=1)
        self.assertEqual(result["quantity"], 0)
        self.assertIn("minimum order quantity", result["notification_info"]["warning"])
        result = self._update(add_qty=12)
        self.assertEqual(result["quantity"], 0)
        self.assertIn("packs of 5", result["notification_info"]["warning"])
        result = self._update(add_qty=10)
        self.assertEqual(result["quantity"], 10)
        order = self._cart(self.buyer.partner_id)
        line = self._line(order)
        # Removing the line (quantity 0) is always allowed.
        result = self._update(line_id=line.id, set_qty=0)
        self.assertEqual(result["quantity"], 0)
        self.assertFalse(self._line(order))

    def test_cart_filled_before_sign_in_is_checked(self):
        # The public user fills the cart, then signs in as a B2B buyer: the
        # session keeps the cart (as /web/login does), which becomes the
        # buyer's with its quantity below the minimum.
        self.authenticate(None, None)
        self.assertEqual(self._update(add_qty=3)["quantity"], 3)
        session = http.root.session_store.get(self.session.sid)
        order_id = session["sale_order_id"]
        self.authenticate(self.buyer.login, self.buyer.login)
        self.session["sale_order_id"] = order_id
        http.root.session_store.save(self.session)

        response = self.url_open("/shop/checkout", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/shop/cart"))
        order = self.env["sale.order"].browse(order_id)
        self.assertEqual(order.partner_id, self.buyer.partner_id)
        self.assertFalse(order._is_cart_ready())
        with self.assertRaisesRegex(ValidationError, "minimum order quantity"):
            order._check_cart_is_ready_to_be_paid()
        response = self.url_open("/shop/cart")
        self.assertIn("b2b_cart_quantity_error", response.text)
        self.assertIn("The minimum order quantity of", response.text)
        for url in ("/shop/payment", "/shop/address"):
            response = self.url_open(url, allow_redirects=False)
            self.assertTrue(response.headers["Location"].endswith("/shop/cart"), url)
        # Fixed, the cart goes on.
        self._update(line_id=self._line(order).id, set_qty=10)
        self.assertTrue(order._is_cart_ready())
        response = self.url_open("/shop/checkout", allow_redirects=False)
        self.assertNotIn("/shop/cart", response.headers.get("Location", ""))


@tagged("post_install", "-at_install")
class TestB2CCompatTour(HttpCase):
    """website_sale's cart tour, its suggested accessory sold by packs to B2B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["website"].get_current_website().b2b_only = False
        # The products of website_sale's TestSaleProcess, the accessory with a
        # minimum and packs.
        storage_box = cls.env["product.product"].create(
            {
                "name": "Storage Box",
                "list_price": 79.0,
                "website_published": True,
                "b2b_min_qty": 10,
                "b2b_pack_qty": 5,
            }
        )
        legs = cls.env["product.attribute"].create(
            {
                "name": "Legs",
                "value_ids": [
                    Command.create({"name": "Steel", "sequence": 1}),
                    Command.create({"name": "Aluminium", "sequence": 2}),
                ],
            }
        )
        floor_protection = cls.env["product.template"].create(
            {"name": "Chair floor protection", "list_price": 12.0}
        )
        cls.env["product.template"].create(
            {
                "name": "Conference Chair",
                "list_price": 16.50,
                "website_published": True,
                "accessory_product_ids": [Command.link(storage_box.id)],
                "optional_product_ids": [Command.set(floor_protection.ids)],
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": legs.id,
                            "value_ids": [Command.set(legs.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        # The demo accessory of the demo chair has a minimum too (demo data).
        demo_box = cls.env.ref("product.product_product_7", raise_if_not_found=False)
        if demo_box:
            demo_box.write({"b2b_min_qty": 10, "b2b_pack_qty": 5})
        cls.env.ref("base.partner_admin").write(
            {
                "street": "1 rue de la Paix",
                "city": "Paris",
                "zip": "75002",
                "country_id": cls.env.ref("base.fr").id,
                "phone": "0102030405",
                "email": "admin@example.com",
            }
        )

    def test_shop_update_cart_tour(self):
        self.start_tour("/", "shop_update_cart", login="admin")
