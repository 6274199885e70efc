from odoo import http
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_accounts import make_b2b_company, make_b2b_user

# A 1x1 PNG, enough for a portal signature.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestOrders(HttpCase):
    """Approval above the buyer's limit, credit limit and quote requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        cls.product = cls.env["product.product"].create(
            {
                "name": "B2B Orders Test Service",
                "type": "service",
                "list_price": 100.0,
                "is_published": True,
                "sale_ok": True,
                "taxes_id": [(5, 0, 0)],
            }
        )
        address = {
            "street": "1 rue de la Paix",
            "city": "Paris",
            "zip": "75002",
            "country_id": cls.env.ref("base.fr").id,
            "email": "contact@example.com",
        }
        cls.company_a = make_b2b_company(cls.env, "Orders Company A", **address)
        cls.company_b = make_b2b_company(cls.env, "Orders Company B", **address)
        cls.buyer_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.o.buyer.a", "buyer", 500
        )
        cls.approver_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.o.approver.a", "approver"
        )
        cls.approver_b = make_b2b_user(
            cls.env, cls.company_b, "b2b.o.approver.b", "approver"
        )
        # website_sale's checkout requires a phone on the billing address.
        (cls.buyer_a | cls.approver_a | cls.approver_b).partner_id.phone = "0102030405"

    # --- helpers ------------------------------------------------------------

    def _fill_cart(self, user, quantity):
        self.authenticate(user.login, user.login)
        self.make_jsonrpc_request(
            "/shop/cart/update_json",
            {"product_id": self.product.id, "add_qty": quantity},
        )
        order = self.env["sale.order"].search(
            [("partner_id", "=", user.partner_id.id), ("state", "=", "draft")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(order.order_line.product_uom_qty, quantity)
        return order

    def _post(self, url, **data):
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        return self.url_open(url, data=data, allow_redirects=False)

    def _request_approval(self):
        order = self._fill_cart(self.buyer_a, 6)
        response = self.url_open("/shop/payment")
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-reason="approval"', response.text)
        return order

    def _mails_to(self, partner, order):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("recipient_ids", "in", partner.ids),
            ]
        )

    # --- approval -----------------------------------------------------------

    def test_under_limit_goes_to_payment(self):
        order = self._fill_cart(self.buyer_a, 3)
        response = self.url_open("/shop/payment")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_b2b_checkout_blocked", response.text)
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.b2b_approval_state)
        order._check_cart_is_ready_to_be_paid()  # does not raise

    def test_over_limit_waits_for_approval(self):
        order = self._request_approval()
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.b2b_approval_state, "to_approve")
        self.assertEqual(order.b2b_requested_by_id, self.buyer_a.partner_id)
        # The approvers of the company are told, not another company's.
        self.assertTrue(self._mails_to(self.approver_a.partner_id, order))
        self.assertFalse(self._mails_to(self.approver_b.partner_id, order))
        # A new cart starts; the waiting order cannot be paid nor signed.
        self.assertNotIn(order.name, self.url_open("/shop/cart").text)
        with self.assertRaises(ValidationError):
            order._check_cart_is_ready_to_be_paid()
        order.require_signature = True
        self.assertFalse(order._has_to_be_signed())

    def test_approver_approves(self):
        order = self._request_approval()
        self.authenticate(self.approver_a.login, self.approver_a.login)
        self.assertIn("b2b_approval_count", self.url_open("/my").text)
        page = self.url_open("/my/b2b/approvals")
        self.assertEqual(page.status_code, 200)
        self.assertIn(order.name, page.text)
        response = self._post(f"/my/b2b/approvals/{order.id}/approve")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.b2b_approval_state, "approved")
        self.assertEqual(order.b2b_approved_by_id, self.approver_a.partner_id)
        self.assertTrue(self._mails_to(self.buyer_a.partner_id, order))
        self.assertNotIn(order.name, self.url_open("/my/b2b/approvals").text)

    def test_approver_refuses(self):
        order = self._request_approval()
        self.authenticate(self.approver_a.login, self.approver_a.login)
        self._post(f"/my/b2b/approvals/{order.id}/refuse")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.b2b_approval_state, "refused")
        self.assertTrue(self._mails_to(self.buyer_a.partner_id, order))

    def test_approval_needs_csrf(self):
        order = self._request_approval()
        self.authenticate(self.approver_a.login, self.approver_a.login)
        with mute_logger("odoo.http"):
            response = self._post(
                f"/my/b2b/approvals/{order.id}/approve", csrf_token="forged"
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(order.b2b_approval_state, "to_approve")

    def test_other_company_cannot_approve(self):
        order = self._request_approval()
        self.authenticate(self.approver_b.login, self.approver_b.login)
        self.assertNotIn(order.name, self.url_open("/my/b2b/approvals").text)
        with mute_logger("odoo.http"):
            response = self._post(f"/my/b2b/approvals/{order.id}/approve")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(order.b2b_approval_state, "to_approve")
        with (
            mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"),
            self.assertRaises(JsonRpcException) as caught,
        ):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "sale.order",
                    "method": "read",
                    "args": [order.ids, ["b2b_approval_state"]],
                    "kwargs": {},
                },
            )
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")

    def test_buyer_cannot_approve(self):
        order = self._request_approval()
        with mute_logger("odoo.http"):
            response = self._post(f"/my/b2b/approvals/{order.id}/approve")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(order.b2b_approval_state, "to_approve")
        self.assertEqual(
            self.url_open("/my/b2b/approvals", allow_redirects=False).status_code, 303
        )

    # --- credit limit -------------------------------------------------------

    def test_credit_limit_turns_cart_into_quote(self):
        self.env.company.account_use_credit_limit = True
        self.company_a.write({"credit_limit": 150.0, "use_partner_credit_limit": True})
        order = self._fill_cart(self.approver_a, 2)
        response = self.url_open("/shop/payment")
        self.assertIn('data-reason="credit"', response.text)
        self.assertEqual(order.state, "sent")
        self.assertTrue(order.b2b_quote_requested)
        self.assertFalse(order.b2b_approval_state)

    def test_credit_limit_not_reached(self):
        self.env.company.account_use_credit_limit = True
        self.company_a.write({"credit_limit": 1000.0, "use_partner_credit_limit": True})
        order = self._fill_cart(self.approver_a, 2)
        response = self.url_open("/shop/payment")
        self.assertNotIn("o_b2b_checkout_blocked", response.text)
        self.assertEqual(order.state, "draft")

    # --- quote request ------------------------------------------------------

    def test_request_quote_then_accept(self):
        order = self._fill_cart(self.buyer_a, 2)
        self.assertIn("/shop/cart/b2b_request_quote", self.url_open("/shop/cart").text)
        response = self._post("/shop/cart/b2b_request_quote")
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-reason="quote"', response.text)
        self.assertEqual(order.state, "sent")
        self.assertTrue(order.b2b_quote_requested)
        action = self.env.ref("b2b_portal.action_b2b_quote_requests")
        self.assertIn(order, self.env["sale.order"].search(safe_eval(action.domain)))
        # Staff answer with a price; the customer signs it on the portal.
        order.order_line.price_unit = 80.0
        order.write({"require_signature": True, "require_payment": False})
        self.assertIn(order.name, self.url_open("/my/quotes").text)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"name": "Buyer A", "signature": SIGNATURE},
        )
        self.assertFalse(result.get("error"), result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_untaxed, 160.0)

    def test_request_quote_other_company(self):
        order = self._fill_cart(self.buyer_a, 2)
        self._post("/shop/cart/b2b_request_quote")
        self.authenticate(self.approver_b.login, self.approver_b.login)
        self.assertNotIn(order.name, self.url_open("/my/quotes").text)
        response = self.url_open(f"/my/orders/{order.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"name": "Intruder", "signature": SIGNATURE},
        )
        self.assertTrue(result.get("error"))
        self.assertEqual(order.state, "sent")

    def test_request_quote_needs_csrf(self):
        order = self._fill_cart(self.buyer_a, 2)
        with mute_logger("odoo.http"):
            response = self._post("/shop/cart/b2b_request_quote", csrf_token="x")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(order.state, "draft")

    # --- tours ----------------------------------------------------------------

    def _website_cart(self, user, quantity):
        return self.env["sale.order"].create(
            {
                "partner_id": user.partner_id.id,
                "website_id": self.website.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": quantity})
                ],
            }
        )

    def test_tour_quote_request(self):
        order = self._website_cart(self.buyer_a, 2)
        self.start_tour("/shop/cart", "b2b_quote_request", login=self.buyer_a.login)
        self.assertEqual(order.state, "sent")
        self.assertTrue(order.b2b_quote_requested)
        # Staff set a price; the customer signs the quotation on the portal.
        order.order_line.price_unit = 75.0
        order.write({"require_signature": True, "require_payment": False})
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"name": "Buyer A", "signature": SIGNATURE},
        )
        self.assertFalse(result.get("error"), result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_untaxed, 150.0)

    def test_tour_approval(self):
        order = self._website_cart(self.buyer_a, 6)
        self.start_tour("/shop/payment", "b2b_approval_buyer", login=self.buyer_a.login)
        self.assertEqual(order.b2b_approval_state, "to_approve")
        self.start_tour(
            "/my/b2b/approvals", "b2b_approval", login=self.approver_a.login
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.b2b_approved_by_id, self.approver_a.partner_id)


@tagged("post_install", "-at_install")
class TestReorder(HttpCase):
    """Reorder a past order: still sold lines at today's price, MOQ/packs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        Product = cls.env["product.product"]

        def product(name, **values):
            return Product.create(
                dict(
                    {
                        "name": name,
                        "type": "service",
                        "list_price": 100.0,
                        "is_published": True,
                        "sale_ok": True,
                        "taxes_id": [(5, 0, 0)],
                    },
                    **values,
                )
            )

        cls.same = product("Reorder Same Price")
        cls.changed = product("Reorder Changed Price")
        cls.gone = product("Reorder No Longer Sold")
        cls.packed = product("Reorder Packed", b2b_min_qty=10, b2b_pack_qty=5)
        cls.company_a = make_b2b_company(cls.env, "Reorder Company A")
        cls.company_b = make_b2b_company(cls.env, "Reorder Company B")
        cls.buyer_a = make_b2b_user(cls.env, cls.company_a, "b2b.r.buyer.a")
        cls.buyer_b = make_b2b_user(cls.env, cls.company_b, "b2b.r.buyer.b")
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.buyer_a.partner_id.id,
                "order_line": [
                    (0, 0, {"product_id": cls.same.id, "product_uom_qty": 2}),
                    (
                        0,
                        0,
                        {
                            "product_id": cls.changed.id,
                            "product_uom_qty": 3,
                            "price_unit": 80.0,
                        },
                    ),
                    (0, 0, {"product_id": cls.gone.id, "product_uom_qty": 1}),
                    (0, 0, {"product_id": cls.packed.id, "product_uom_qty": 10}),
                ],
            }
        )
        cls.order.action_confirm()
        # Since the order: one product is no longer sold, the pack product now
        # requires 12 by packs of 4 (10 becomes 12).
        cls.gone.sale_ok = False
        cls.packed.write({"b2b_min_qty": 12, "b2b_pack_qty": 4})

    def _reorder(self, order, **data):
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        return self.url_open(
            f"/my/orders/{order.id}/b2b_reorder", data=data, allow_redirects=False
        )

    def _cart(self, user):
        return self.env["sale.order"].search(
            [
                ("partner_id", "=", user.partner_id.id),
                ("state", "=", "draft"),
                ("website_id", "!=", False),
            ]
        )

    def test_reorder(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        page = self.url_open(f"/my/orders/{self.order.id}")
        self.assertIn(f"/my/orders/{self.order.id}/b2b_reorder", page.text)
        response = self._reorder(self.order)
        self.assertEqual(response.status_code, 200)
        cart = self._cart(self.buyer_a)
        quantities = {line.product_id: line.product_uom_qty for line in cart.order_line}
        self.assertEqual(
            quantities, {self.same: 2.0, self.changed: 3.0, self.packed: 12.0}
        )
        # Today's price of the cart's pricelist, not the 80.0 of the old order.
        today_price = (
            cart.pricelist_id._get_product_price(self.changed, 3.0)
            if cart.pricelist_id
            else self.changed.lst_price
        )
        self.assertNotEqual(today_price, 80.0)
        self.assertEqual(
            cart.order_line.filtered(
                lambda line: line.product_id == self.changed
            ).price_unit,
            today_price,
        )
        self.assertIn('data-status="unavailable"', response.text)
        self.assertEqual(response.text.count('data-price-changed="1"'), 1)
        self.assertEqual(response.text.count('data-qty-changed="1"'), 1)

    def test_reorder_other_company(self):
        self.authenticate(self.buyer_b.login, self.buyer_b.login)
        with mute_logger("odoo.http"):
            response = self._reorder(self.order)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._cart(self.buyer_b).order_line)

    def test_reorder_needs_csrf(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        with mute_logger("odoo.http"):
            response = self._reorder(self.order, csrf_token="forged")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._cart(self.buyer_a).order_line)

    def test_reorder_tour(self):
        self.start_tour(
            f"/my/orders/{self.order.id}", "b2b_reorder", login=self.buyer_a.login
        )
        self.assertEqual(len(self._cart(self.buyer_a).order_line), 3)
