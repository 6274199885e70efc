from dateutil.relativedelta import relativedelta

from odoo import http
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.checkout import ON_ACCOUNT_RATE_LIMIT
from ..controllers.throttle import clear_rate_limits
from .test_accounts import make_b2b_company, make_b2b_user

ROUTE = "/shop/b2b/order_on_account"


@tagged("post_install", "-at_install")
class TestPaymentTerms(HttpCase):
    """Payment terms on website orders, and ordering on account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        cls.website.b2b_order_on_account = True
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.term_immediate = cls.env.ref("account.account_payment_term_immediate")
        cls.product = cls.env["product.product"].create(
            {
                "name": "B2B Terms Test Service",
                "type": "service",
                "list_price": 100.0,
                "is_published": True,
                "sale_ok": True,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.rep = new_test_user(
            cls.env,
            login="b2b.terms.rep",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Terry Rep",
            password="b2b.terms.rep",
        )
        # A pricelist in the company's currency (the demo's country
        # pricelists may use an inactive one).
        pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Terms Pricelist",
                "currency_id": cls.website.company_id.currency_id.id,
            }
        )
        address = {
            "street": "1 rue de la Paix",
            "city": "Paris",
            "zip": "75002",
            "country_id": cls.env.ref("base.fr").id,
            "email": "terms@example.com",
            "phone": "+33 1 00 00 00 00",
        }
        cls.company_a = make_b2b_company(
            cls.env,
            "Terms Company A",
            pricelist=pricelist,
            property_payment_term_id=cls.term_30.id,
            user_id=cls.rep.id,
            **address,
        )
        cls.company_b = make_b2b_company(
            cls.env,
            "Terms Company B",
            pricelist=pricelist,
            property_payment_term_id=cls.term_immediate.id,
            **address,
        )
        cls.company_c = make_b2b_company(
            cls.env,
            "Terms Company C",
            pricelist=pricelist,
            property_payment_term_id=cls.term_30.id,
            **address,
        )
        cls.buyer_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.t.buyer.a", "buyer", 500
        )
        cls.approver_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.t.approver.a", "approver"
        )
        cls.viewer_a = make_b2b_user(cls.env, cls.company_a, "b2b.t.viewer.a", "viewer")
        cls.buyer_b = make_b2b_user(cls.env, cls.company_b, "b2b.t.buyer.b")
        cls.buyer_c = make_b2b_user(cls.env, cls.company_c, "b2b.t.buyer.c")
        users = cls.buyer_a | cls.approver_a | cls.viewer_a | cls.buyer_b | cls.buyer_c
        users.partner_id.phone = "0102030405"

    def setUp(self):
        super().setUp()
        clear_rate_limits()
        self.addCleanup(clear_rate_limits)

    # --- helpers ------------------------------------------------------------

    def _fill_cart(self, user, quantity, product=None):
        self.authenticate(user.login, user.login)
        self.make_jsonrpc_request(
            "/shop/cart/update_json",
            {"product_id": (product or self.product).id, "add_qty": quantity},
        )
        order = self.env["sale.order"].search(
            [
                ("partner_id", "=", user.partner_id.id),
                ("state", "=", "draft"),
                ("website_id", "=", self.website.id),
            ],
            order="id desc",
            limit=1,
        )
        self.assertEqual(order.order_line.product_uom_qty, quantity)
        return order

    def _website_cart(self, partner, quantity):
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "website_id": self.website.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": quantity}
                    )
                ],
            }
        )

    def _order_on_account(self, **data):
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        return self.url_open(ROUTE, data=data, allow_redirects=False)

    def _refused(self, **data):
        with mute_logger("odoo.http"):
            response = self._order_on_account(**data)
        self.assertEqual(response.status_code, 403)
        self.assertIn("o_b2b_on_account_refused", response.text)
        return response

    def _confirmation_messages(self, order, partner):
        return self.env["mail.message"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("subject", "ilike", order.name),
                ("partner_ids", "in", partner.ids),
            ]
        )

    def _draft_order(self, term):
        return self.env["sale.order"].create(
            {
                "partner_id": self.buyer_a.partner_id.id,
                "payment_term_id": term.id if term else False,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )

    # --- the rule -----------------------------------------------------------

    def test_deferred_rule(self):
        split = self.env["account.payment.term"].create(
            {
                "name": "30% now, 70% in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 30.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 70.0, "nb_days": 30}
                    ),
                ],
            }
        )
        end_of_month = self.env["account.payment.term"].create(
            {
                "name": "10 days after end of month",
                "line_ids": [
                    Command.create(
                        {
                            "value": "percent",
                            "value_amount": 100.0,
                            "delay_type": "days_after_end_of_month",
                            "nb_days": 10,
                        }
                    ),
                ],
            }
        )
        expected = {
            self.term_30: True,
            end_of_month: True,
            self.term_immediate: False,
            split: False,
        }
        for term, deferred in expected.items():
            with self.subTest(term=term.name):
                self.assertEqual(
                    self._draft_order(term)._b2b_payment_term_is_deferred(), deferred
                )
        self.assertFalse(self._draft_order(False)._b2b_payment_term_is_deferred())

    def test_cart_takes_the_company_term(self):
        # Even when the contact's own (company-dependent) value differs.
        self.buyer_a.partner_id.property_payment_term_id = self.term_immediate
        order = self._fill_cart(self.buyer_a, 2)
        self.assertEqual(order.payment_term_id, self.term_30)
        order_b = self._fill_cart(self.buyer_b, 2)
        self.assertEqual(order_b.payment_term_id, self.term_immediate)

    # --- order on account ---------------------------------------------------

    def test_order_on_account(self):
        order = self._fill_cart(self.buyer_a, 3)
        page = self.url_open("/shop/payment")
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="b2b_payment_terms"', page.text)
        self.assertIn('data-on-account="1"', page.text)
        self.assertIn("30 Days", page.text)
        self.assertIn(f'action="{ROUTE}"', page.text)
        response = self._order_on_account(amount=order.amount_total)
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(response.headers["Location"].endswith("/shop/confirmation"))
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.payment_term_id, self.term_30)
        self.assertFalse(order.transaction_ids)
        self.assertTrue(self._confirmation_messages(order, self.buyer_a.partner_id))
        # The confirmation page shows the order and its terms; a new cart starts.
        confirmation = self.url_open("/shop/confirmation")
        self.assertIn("o_b2b_on_account_confirmation", confirmation.text)
        self.assertIn(order.name, confirmation.text)
        self.assertIn("30 Days", confirmation.text)
        self.assertNotIn(order.name, self.url_open("/shop/cart").text)
        # The customer's order page shows the terms.
        portal = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(portal.status_code, 200)
        self.assertIn("30 Days", portal.text)
        # The invoice is due in 30 days.
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.invoice_payment_term_id, self.term_30)
        self.assertEqual(
            invoice.invoice_date_due, invoice.invoice_date + relativedelta(days=30)
        )

    def test_term_changed_since_the_cart(self):
        order = self._fill_cart(self.buyer_a, 1)
        self.company_a.property_payment_term_id = self.term_immediate
        page = self.url_open("/shop/payment")
        self.assertIn('data-on-account="0"', page.text)
        self.assertEqual(order.payment_term_id, self.term_immediate)
        self._refused()
        self.assertEqual(order.state, "draft")

    def test_immediate_term_pays_online(self):
        order = self._fill_cart(self.buyer_b, 2)
        page = self.url_open("/shop/payment")
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-on-account="0"', page.text)
        self.assertNotIn(f'action="{ROUTE}"', page.text)
        response = self._refused()
        self.assertIn("please pay online", response.text)
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.b2b_approval_state)

    def test_no_term_pays_online(self):
        self.company_b.property_payment_term_id = False
        self.buyer_b.partner_id.property_payment_term_id = False
        order = self._fill_cart(self.buyer_b, 2)
        self.assertNotIn(f'action="{ROUTE}"', self.url_open("/shop/payment").text)
        self._refused()
        self.assertEqual(order.state, "draft")

    def test_amount_changed_goes_back_to_payment(self):
        order = self._fill_cart(self.buyer_a, 2)
        response = self._order_on_account(amount="1.00")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/shop/payment"))
        self.assertEqual(order.state, "draft")

    def test_above_buyer_limit_waits_for_approval(self):
        order = self._fill_cart(self.buyer_a, 6)
        response = self._order_on_account()
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-reason="approval"', response.text)
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.b2b_approval_state, "to_approve")

    def test_above_credit_limit_becomes_quote(self):
        self.env.company.account_use_credit_limit = True
        self.company_a.write({"credit_limit": 150.0, "use_partner_credit_limit": True})
        order = self._fill_cart(self.approver_a, 2)
        response = self._order_on_account()
        self.assertIn('data-reason="credit"', response.text)
        self.assertEqual(order.state, "sent")
        self.assertTrue(order.b2b_quote_requested)

    def test_viewer_refused(self):
        order = self._website_cart(self.viewer_a.partner_id, 1)
        self.authenticate(self.viewer_a.login, self.viewer_a.login)
        self._refused()
        self.assertEqual(order.state, "draft")

    def test_setting_off(self):
        self.website.b2b_order_on_account = False
        order = self._fill_cart(self.buyer_a, 2)
        page = self.url_open("/shop/payment")
        self.assertIn("30 Days", page.text)
        self.assertNotIn(f'action="{ROUTE}"', page.text)
        self._refused()
        self.assertEqual(order.state, "draft")

    def test_only_the_session_cart(self):
        order_a = self._fill_cart(self.buyer_a, 2)
        self.authenticate(self.buyer_c.login, self.buyer_c.login)
        response = self._order_on_account(
            sale_order_id=order_a.id, order_id=order_a.id, amount=order_a.amount_total
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/shop"))
        self.assertEqual(order_a.state, "draft")

    def test_needs_csrf(self):
        order = self._fill_cart(self.buyer_a, 2)
        with mute_logger("odoo.http"):
            response = self._order_on_account(csrf_token="forged")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(order.state, "draft")

    def test_needs_login(self):
        self.authenticate(None, None)
        response = self._order_on_account()
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_rate_limited(self):
        self.authenticate(self.buyer_c.login, self.buyer_c.login)
        for _i in range(ON_ACCOUNT_RATE_LIMIT):
            self.assertEqual(self._order_on_account().status_code, 303)
        with mute_logger("odoo.addons.b2b_portal.controllers.throttle"):
            self.assertEqual(self._order_on_account().status_code, 429)

    def test_rep_orders_on_account_for_customer(self):
        self.authenticate(self.rep.login, self.rep.login)
        response = self.url_open(
            f"/my/b2b/accounts/{self.company_a.id}/act",
            data={"csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.make_jsonrpc_request(
            "/shop/cart/update_json", {"product_id": self.product.id, "add_qty": 2}
        )
        order = self.env["sale.order"].search(
            [("partner_id", "=", self.company_a.id), ("state", "=", "draft")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(order.payment_term_id, self.term_30)
        self.assertIn(f'action="{ROUTE}"', self.url_open("/shop/payment").text)
        response = self._order_on_account()
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.user_id, self.rep)
        logs = self.env["b2b.act.log"].search(
            [("order_id", "=", order.id), ("action", "=", "confirm")]
        )
        self.assertEqual(logs.user_id, self.rep)
        self.assertEqual(logs.partner_id, self.company_a)
        # The confirmation page does not log it twice.
        self.url_open("/shop/confirmation")
        self.assertEqual(
            self.env["b2b.act.log"].search_count(
                [("order_id", "=", order.id), ("action", "=", "confirm")]
            ),
            1,
        )

    # --- the whole checkout in a browser -----------------------------------

    def test_tour_checkout_on_account(self):
        lamp = self.env["product.product"].create(
            {
                "name": "B2B Checkout Tour Lamp",
                "type": "consu",
                "list_price": 40.0,
                "is_published": True,
                "sale_ok": True,
                "website_id": False,
                "taxes_id": [Command.clear()],
            }
        )
        courier_product = self.env["product.product"].create(
            {
                "name": "B2B Tour Courier",
                "type": "service",
                "sale_ok": False,
                "list_price": 10.0,
                "taxes_id": [Command.clear()],
            }
        )
        courier = self.env["delivery.carrier"].create(
            {
                "name": "B2B Tour Courier",
                "delivery_type": "fixed",
                "fixed_price": 10.0,
                "product_id": courier_product.id,
                "website_published": True,
                "sequence": 1,
            }
        )
        self.company_a.property_delivery_carrier_id = courier
        self.start_tour(
            "/shop?search=B2B Checkout Tour Lamp",
            "b2b_checkout_on_account",
            login=self.buyer_a.login,
            timeout=180,
        )
        order = self.env["sale.order"].search(
            [("partner_id", "=", self.buyer_a.partner_id.id)], order="id desc", limit=1
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.payment_term_id, self.term_30)
        self.assertEqual(order.carrier_id, courier)
        self.assertEqual(
            order.order_line.filtered(lambda line: not line.is_delivery).product_id,
            lamp,
        )
