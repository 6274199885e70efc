from urllib.parse import urlencode, urlsplit

import odoo
from odoo.http import Request
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_accounts import make_b2b_company, make_b2b_user

SESSION_KEY = "b2b_act_partner_id"


@tagged("post_install", "-at_install")
class TestReps(HttpCase):
    """Sales reps ordering for the B2B accounts they manage, and the audit trail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        currency = cls.website.company_id.currency_id
        cls.product = cls.env["product.product"].create(
            {
                "name": "B2B Rep Test Cable Drum",
                "list_price": 100.0,
                "is_published": True,
                "sale_ok": True,
                "website_id": False,
            }
        )
        cls.pricelist_a = cls.env["product.pricelist"].create(
            {
                "name": "Negotiated Rep A",
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
                            "fixed_price": 73.25,
                        },
                    )
                ],
            }
        )
        cls.rep = new_test_user(
            cls.env,
            login="b2b.rep",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Rita Rep",
            password="b2b.rep",
        )
        cls.rep2 = new_test_user(
            cls.env,
            login="b2b.rep2",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Other Rep",
            password="b2b.rep2",
        )
        cls.manager = new_test_user(
            cls.env,
            login="b2b.sales.manager",
            groups="base.group_user,sales_team.group_sale_manager",
            password="b2b.sales.manager",
        )
        address = {
            "street": "1 rue de la Paix",
            "city": "Paris",
            "zip": "75002",
            "country_id": cls.env.ref("base.fr").id,
            "email": "company@example.com",
        }
        cls.company_a = make_b2b_company(
            cls.env,
            "Rep Company A",
            pricelist=cls.pricelist_a,
            user_id=cls.rep.id,
            **address,
        )
        cls.company_b = make_b2b_company(
            cls.env, "Rep Company B", user_id=cls.rep2.id, **address
        )
        cls.company_pending = make_b2b_company(
            cls.env, "Rep Company Pending", state="pending", user_id=cls.rep.id
        )
        cls.buyer_a = make_b2b_user(cls.env, cls.company_a, "b2b.rep.a.buyer")
        cls.viewer_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.rep.a.viewer", "viewer"
        )
        cls.buyer_b = make_b2b_user(cls.env, cls.company_b, "b2b.rep.b.buyer")

    # -- helpers -------------------------------------------------------------
    def _post(self, url, **data):
        data["csrf_token"] = Request.csrf_token(self)
        return self.url_open(url, data=data, allow_redirects=False)

    def _session(self):
        return odoo.http.root.session_store.get(self.session.sid)

    def _logs(self, **domain):
        return self.env["b2b.act.log"].search(
            [(key, "=", value) for key, value in domain.items()], order="id"
        )

    def _start_acting(self, partner):
        response = self._post(f"/my/b2b/accounts/{partner.id}/act")
        self.assertEqual(response.status_code, 303, response.text[:300])
        return response

    def _add_to_cart(self, quantity=3, **extra):
        return self.make_jsonrpc_request(
            "/shop/cart/update_json",
            dict({"product_id": self.product.id, "add_qty": quantity}, **extra),
        )

    # -- managed accounts ----------------------------------------------------
    def test_managed_partners(self):
        self.assertEqual(
            self.rep._b2b_managed_partners(), self.company_a | self.company_pending
        )
        self.assertTrue(self.rep._b2b_can_act_for(self.buyer_a.partner_id))
        self.assertFalse(self.rep._b2b_can_act_for(self.company_b))
        self.assertFalse(self.rep._b2b_can_act_for(self.company_pending))
        # A portal user is no sales rep, even as salesperson of a company.
        self.assertFalse(self.buyer_b._b2b_managed_partners())

    def test_accounts_page(self):
        self.authenticate("b2b.rep", "b2b.rep")
        response = self.url_open("/my/b2b/accounts")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Rep Company A", response.text)
        self.assertIn("Rep Company Pending", response.text)
        self.assertNotIn("Rep Company B", response.text)
        self.assertIn(f"/my/b2b/accounts/{self.company_a.id}/act", response.text)
        # No "order for" on an account that is not validated.
        self.assertNotIn(
            f"/my/b2b/accounts/{self.company_pending.id}/act", response.text
        )

    def test_accounts_page_stats(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer_a.partner_id.id,
                "order_line": [(0, 0, {"product_id": self.product.id})],
            }
        )
        order.action_confirm()
        self.env["sale.order"].create(
            {"partner_id": self.company_a.id, "state": "sent"}
        )
        self.authenticate("b2b.rep", "b2b.rep")
        response = self.url_open("/my/b2b/accounts")
        row = response.text.split(f"o_b2b_account_{self.company_a.id}")[1]
        row = row.split("</tr>")[0]
        self.assertIn('o_b2b_open_orders">1<', row)
        self.assertIn('o_b2b_open_quotes">1<', row)

    @mute_logger("odoo.http")
    def test_accounts_page_forbidden_to_portal(self):
        self.authenticate("b2b.rep.a.buyer", "b2b.rep.a.buyer")
        self.assertEqual(self.url_open("/my/b2b/accounts").status_code, 403)
        response = self._post(f"/my/b2b/accounts/{self.company_a.id}/act")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._logs())

    @mute_logger("odoo.http")
    def test_rep_cannot_act_for_another_account(self):
        self.authenticate("b2b.rep", "b2b.rep")
        for partner in (self.company_b, self.buyer_b.partner_id, self.company_pending):
            response = self._post(f"/my/b2b/accounts/{partner.id}/act")
            self.assertEqual(response.status_code, 403, partner.name)
        self.assertEqual(self._post("/my/b2b/accounts/999999999/act").status_code, 403)
        self.assertNotIn(SESSION_KEY, self._session())
        self.assertFalse(self._logs())

    def test_act_as_flow(self):
        self.authenticate("b2b.rep", "b2b.rep")
        self._start_acting(self.company_a)
        self.assertEqual(self._session()[SESSION_KEY], self.company_a.id)
        shop = self.url_open("/shop")
        self.assertIn("o_b2b_acting_banner", shop.text)
        self.assertIn("Rep Company A", shop.text.split("o_b2b_acting_banner")[1][:500])

        # Posting another partner id changes nothing: the cart is A's.
        self._add_to_cart(3, partner_id=self.company_b.id)
        order = self.env["sale.order"].browse(self._session()["sale_order_id"])
        self.assertEqual(order.partner_id, self.company_a)
        self.assertEqual(order.user_id, self.rep)
        self.assertEqual(order.pricelist_id, self.pricelist_a)
        self.assertEqual(order.order_line.price_unit, 73.25)
        self.assertEqual(order.order_line.product_uom_qty, 3)

        self.url_open("/shop/checkout")
        order.action_confirm()
        session = self._session()
        session["sale_last_order_id"] = order.id
        odoo.http.root.session_store.save(session)
        self.url_open("/shop/confirmation")

        response = self._post("/my/b2b/act/stop")
        self.assertEqual(response.status_code, 303)
        self.assertNotIn(SESSION_KEY, self._session())

        logs = self._logs(user_id=self.rep.id)
        self.assertEqual(
            logs.mapped("action"), ["start", "cart", "checkout", "confirm", "stop"]
        )
        self.assertEqual(logs.partner_id, self.company_a)
        self.assertEqual(logs.filtered("order_id").order_id, order)
        self.assertIn("B2B Rep Test Cable Drum", logs[1].details)
        bodies = order.message_ids.mapped("body")
        self.assertTrue(
            any("Ordered by Rita Rep for Rep Company A" in body for body in bodies),
            bodies,
        )
        # Stopped: the banner is gone and the rep's own cart is not the customer's.
        self.assertNotIn("o_b2b_acting_banner", self.url_open("/shop").text)
        self._add_to_cart(1)
        own = self.env["sale.order"].browse(self._session()["sale_order_id"])
        self.assertEqual(own.partner_id, self.rep.partner_id)
        self.assertEqual(len(self._logs()), 5)
        # The customer's users see on the order who ordered it for them.
        self.authenticate("b2b.rep.a.buyer", "b2b.rep.a.buyer")
        page = self.url_open(f"/my/orders/{order.id}").text
        block = page.split("o_b2b_order_act_logs")[1].split("</section>")[0]
        self.assertIn("Actions by your sales rep", block)
        self.assertIn("Rita Rep", block)
        self.assertIn("Order confirmed", block)
        self.authenticate("b2b.rep.b.buyer", "b2b.rep.b.buyer")
        page = self.url_open(f"/my/orders/{order.id}").text
        self.assertNotIn("o_b2b_order_act_logs", page)

    def test_a_quote_requested_for_a_customer_is_logged(self):
        self.authenticate("b2b.rep", "b2b.rep")
        self._start_acting(self.company_a)
        self._add_to_cart(2)
        order = self.env["sale.order"].browse(self._session()["sale_order_id"])
        response = self._post("/shop/cart/b2b_request_quote")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(order.b2b_quote_requested)
        self.assertEqual(order.partner_id, self.company_a)
        quote = self._logs(user_id=self.rep.id).filtered(
            lambda log: log.action == "quote"
        )
        self.assertEqual(quote.order_id, order)
        self.assertEqual(quote.partner_id, self.company_a)

    def test_act_redirect_stays_local(self):
        self.authenticate("b2b.rep", "b2b.rep")
        url = f"/my/b2b/accounts/{self.company_a.id}/act"
        for target, expected in (
            ("/my/quick-order", "/my/quick-order"),
            ("https://evil.example.com/shop", "/shop"),
            ("//evil.example.com/shop", "/shop"),
            ("/\\evil.example.com", "/shop"),
        ):
            response = self._post(url, redirect=target)
            self.assertEqual(response.status_code, 303)
            location = urlsplit(response.headers["Location"])
            self.assertIn(location.hostname, (None, "127.0.0.1", "localhost"), target)
            self.assertEqual(location.path, expected, target)

    def test_forged_session_is_dropped(self):
        """A session key naming an account the user does not manage is ignored."""
        self.authenticate("b2b.rep", "b2b.rep")
        session = self._session()
        session[SESSION_KEY] = self.company_b.id
        odoo.http.root.session_store.save(session)
        self.assertNotIn("o_b2b_acting_banner", self.url_open("/shop").text)
        self.assertNotIn(SESSION_KEY, self._session())
        self._add_to_cart(1)
        order = self.env["sale.order"].browse(self._session()["sale_order_id"])
        self.assertEqual(order.partner_id, self.rep.partner_id)
        self.assertFalse(self._logs())

    def test_account_reassigned_stops_acting(self):
        self.authenticate("b2b.rep", "b2b.rep")
        self._start_acting(self.company_a)
        self.company_a.user_id = self.rep2
        self.assertNotIn("o_b2b_acting_banner", self.url_open("/shop").text)
        self.assertNotIn(SESSION_KEY, self._session())

    def test_log_visibility(self):
        Log = self.env["b2b.act.log"]
        log_a = Log._b2b_log(self.company_a, "start", user=self.rep)
        log_b = Log._b2b_log(self.company_b, "start", user=self.rep2)
        both = log_a | log_b
        self.assertEqual(Log.with_user(self.buyer_a).search([]) & both, log_a)
        self.assertEqual(Log.with_user(self.viewer_a).search([]) & both, log_a)
        self.assertEqual(Log.with_user(self.buyer_b).search([]) & both, log_b)
        self.assertEqual(Log.with_user(self.rep).search([]) & both, log_a)
        self.assertEqual(Log.with_user(self.rep2).search([]) & both, log_b)
        self.assertEqual(Log.with_user(self.manager).search([]) & both, both)

        self.authenticate("b2b.rep.a.viewer", "b2b.rep.a.viewer")
        page = self.url_open("/my/b2b/company").text
        self.assertIn("Actions by your sales rep", page)
        self.assertIn("Rita Rep", page)
        self.authenticate("b2b.rep.b.buyer", "b2b.rep.b.buyer")
        page = self.url_open("/my/b2b/company").text
        self.assertNotIn("Rita Rep", page)
        self.assertIn("Other Rep", page)

    def test_viewer_reads_documents_but_cannot_order(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.company_a.id,
                "order_line": [(0, 0, {"product_id": self.product.id})],
            }
        )
        order.action_confirm()
        self.assertFalse(self.viewer_a._b2b_can_order())
        self.authenticate("b2b.rep.a.viewer", "b2b.rep.a.viewer")
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(order.name, response.text)
        self.assertIn("Your role does not allow", self.url_open("/my/b2b/company").text)

    def test_sale_report(self):
        """B2B volume per customer and sales rep: confirmed orders of B2B companies."""
        SaleOrder = self.env["sale.order"]
        line = [(0, 0, {"product_id": self.product.id, "product_uom_qty": 2})]
        order = SaleOrder.create(
            {
                "partner_id": self.buyer_a.partner_id.id,
                "user_id": self.rep.id,
                "order_line": line,
            }
        )
        order.action_confirm()
        SaleOrder.create({"partner_id": self.company_a.id, "order_line": line})
        other = SaleOrder.create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Not B2B"}).id,
                "order_line": line,
            }
        )
        other.action_confirm()
        self.env["b2b.act.log"]._b2b_log(
            self.company_a, "confirm", order, user=self.rep
        )
        self.env.flush_all()
        Report = self.env["b2b.sale.report"]
        rows = Report.search([("order_id", "in", (order | other).ids)])
        self.assertEqual(rows.order_id, order)
        self.assertEqual(rows.partner_id, self.company_a)
        self.assertEqual(rows.user_id, self.rep)
        self.assertTrue(rows.b2b_acted)
        self.assertAlmostEqual(rows.amount_untaxed, order.amount_untaxed)
        groups = Report._read_group(
            [("partner_id", "=", self.company_a.id)],
            ["user_id", "date:month"],
            ["amount_untaxed:sum", "order_count:sum"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0][3], 1)
        # A sales rep reads the rows of their own orders only.
        self.assertEqual(
            Report.with_user(self.rep).search([("id", "=", rows.id)]), rows
        )
        self.assertFalse(Report.with_user(self.rep2).search([("id", "=", rows.id)]))

    def test_tour_rep_order_for_customer(self):
        widget = self.env["product.product"].create(
            {
                "name": "B2B Rep Tour Widget",
                "list_price": 100.0,
                "is_published": True,
                "sale_ok": True,
                "website_id": False,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Negotiated Rep Tour",
                "currency_id": self.website.company_id.currency_id.id,
                "b2b_negotiated": True,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": widget.id,
                            "compute_price": "fixed",
                            "fixed_price": 61.40,
                        },
                    )
                ],
            }
        )
        customer = make_b2b_company(
            self.env,
            "Rep Tour Company",
            pricelist=pricelist,
            user_id=self.rep.id,
            street="2 quai de Seine",
            city="Lyon",
            zip="69002",
            country_id=self.env.ref("base.fr").id,
            email="tour@example.com",
            phone="+33 4 00 00 00 00",
        )
        self.start_tour(
            "/my/b2b/accounts?"
            + urlencode({"redirect": "/shop?search=B2B Rep Tour Widget"}),
            "b2b_rep_order_for_customer",
            login="b2b.rep",
            timeout=180,
        )
        order = self.env["sale.order"].search(
            [("partner_id", "=", customer.id)], order="id desc", limit=1
        )
        self.assertEqual(order.user_id, self.rep)
        self.assertEqual(order.pricelist_id, pricelist)
        line = order.order_line.filtered(lambda line: not line.is_delivery)
        self.assertEqual(line.product_id, widget)
        self.assertEqual(line.product_uom_qty, 2)
        self.assertAlmostEqual(line.price_unit, 61.40)
        logs = self._logs(partner_id=customer.id)
        self.assertEqual(logs.user_id, self.rep)
        self.assertEqual(logs.mapped("action"), ["start", "cart", "checkout"])
        self.assertEqual(logs.order_id, order)
        self.assertTrue(
            any(
                "Ordered by Rita Rep for Rep Tour Company" in body
                for body in order.message_ids.mapped("body")
            )
        )
        # The payment provider confirms it (none is installed in the tests).
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, customer)
