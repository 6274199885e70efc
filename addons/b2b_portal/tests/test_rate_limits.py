from types import SimpleNamespace
from unittest.mock import patch

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers import orders as orders_controller
from ..controllers import portal as portal_controller
from ..controllers import throttle
from .test_accounts import make_b2b_company, make_b2b_user

THROTTLE_LOGGER = "odoo.addons.b2b_portal.controllers.throttle"
MESSAGE = "Too many requests, please wait a minute and try again."


@tagged("post_install", "-at_install")
class TestRateLimits(HttpCase):
    """Every POST form of the portal is rate-limited per user (low limits patched)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.rep = new_test_user(
            cls.env,
            login="b2b.rl.rep",
            groups="base.group_user,sales_team.group_sale_salesman",
            password="b2b.rl.rep",
        )
        cls.company = make_b2b_company(
            cls.env, "Rate Limit Company", user_id=cls.rep.id
        )
        cls.buyer = make_b2b_user(cls.env, cls.company, "b2b.rl.buyer")
        cls.buyer2 = make_b2b_user(cls.env, cls.company, "b2b.rl.buyer2")
        cls.approver = make_b2b_user(
            cls.env, cls.company, "b2b.rl.approver", "approver"
        )
        product = cls.env["product.product"].create(
            {"name": "Rate Limit Service", "type": "service", "list_price": 10.0}
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.buyer.partner_id.id,
                "order_line": [(0, 0, {"product_id": product.id})],
            }
        )
        cls.order.action_confirm()

    def setUp(self):
        super().setUp()
        throttle.clear_rate_limits()
        self.addCleanup(throttle.clear_rate_limits)

    def _post(self, url, **data):
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        with mute_logger("odoo.http", THROTTLE_LOGGER):
            return self.url_open(url, data=data, allow_redirects=False)

    def _assert_limited(self, response):
        self.assertEqual(response.status_code, 429)
        self.assertIn(MESSAGE, response.text)

    # -- the limiter ---------------------------------------------------------
    def test_rate_limiter_window(self):
        limiter = throttle.RateLimiter(2, 60.0)
        with patch.object(throttle.time, "monotonic", return_value=1000.0):
            self.assertTrue(limiter.allow("k"))
            self.assertTrue(limiter.allow("k"))
            self.assertFalse(limiter.allow("k"))
            self.assertTrue(limiter.allow("other"))
        with patch.object(throttle.time, "monotonic", return_value=1060.5):
            self.assertTrue(limiter.allow("k"))
        limiter.clear()
        self.assertEqual(limiter._calls, {})

    def test_limiters_shared_per_limit_and_period(self):
        self.assertIs(throttle.get_limiter(5, 60), throttle.get_limiter(5, 60.0))
        self.assertIsNot(throttle.get_limiter(5, 60), throttle.get_limiter(6, 60))
        self.assertIsNot(throttle.get_limiter(5, 60), throttle.get_limiter(5, 30))

    def _fake_request(self, user, remote_addr):
        env = self.env(user=user)
        return SimpleNamespace(
            env=env, httprequest=SimpleNamespace(remote_addr=remote_addr)
        )

    def test_check_rate_keys(self):
        """Signed-in users are counted per user id, the public user per address."""
        public = self.env.ref("base.public_user")
        calls = [
            (self.buyer, "10.0.0.1", None),
            (self.buyer, "10.0.0.2", MESSAGE),  # same user, another address
            (self.buyer2, "10.0.0.1", None),  # another user, same address
            (public, "10.0.0.1", None),
            (public, "10.0.0.1", MESSAGE),
            (public, "10.0.0.3", None),  # another address
        ]
        for user, addr, expected in calls:
            with (
                patch.object(throttle, "request", self._fake_request(user, addr)),
                mute_logger(THROTTLE_LOGGER),
            ):
                self.assertEqual(throttle.check_rate("test", 1), expected, (user, addr))
        # Another action has its own allowance.
        with patch.object(throttle, "request", self._fake_request(self.buyer, "x")):
            self.assertIsNone(throttle.check_rate("other test", 1))

    def test_log_names_action_and_user_only(self):
        self.authenticate(self.buyer.login, self.buyer.login)
        url = f"/my/orders/{self.order.id}/b2b_reorder"
        with patch.object(orders_controller, "REORDER_RATE_LIMIT", 1):
            self._post(url)
            with self.assertLogs(THROTTLE_LOGGER, "WARNING") as logs:
                response = self.url_open(
                    url,
                    data={
                        "csrf_token": http.Request.csrf_token(self),
                        "secret": "s3cr3t-value",
                    },
                    allow_redirects=False,
                )
        self._assert_limited(response)
        output = "\n".join(logs.output)
        self.assertIn("reorder", output)
        self.assertIn(f"user id {self.buyer.id}", output)
        self.assertNotIn("s3cr3t-value", output)
        self.assertNotIn(self.buyer.login, output)
        self.assertNotIn(http.Request.csrf_token(self), output)

    # -- the forms -----------------------------------------------------------
    def test_reorder_limited(self):
        url = f"/my/orders/{self.order.id}/b2b_reorder"
        self.authenticate(self.buyer.login, self.buyer.login)
        with patch.object(orders_controller, "REORDER_RATE_LIMIT", 2):
            for _index in range(2):
                self.assertEqual(self._post(url).status_code, 200)
            self._assert_limited(self._post(url))
            # The page is the website's, in HTML.
            self.assertIn("text/html", self._post(url).headers["Content-Type"])
            # Another user of the same company has their own allowance.
            self.authenticate(self.buyer2.login, self.buyer2.login)
            self.assertNotEqual(self._post(url).status_code, 429)

    def test_cart_request_quote_limited(self):
        self.authenticate(self.buyer.login, self.buyer.login)
        with patch.object(orders_controller, "QUOTE_RATE_LIMIT", 1):
            # An empty cart: back to the cart, but the call counts.
            response = self._post("/shop/cart/b2b_request_quote")
            self.assertEqual(response.status_code, 303)
            self._assert_limited(self._post("/shop/cart/b2b_request_quote"))

    def test_approval_decide_limited(self):
        """Counted before any check: probing order ids is limited too."""
        self.authenticate(self.approver.login, self.approver.login)
        url = "/my/b2b/approvals/%s/approve"
        with patch.object(orders_controller, "APPROVAL_RATE_LIMIT", 2):
            self.assertEqual(self._post(url % 999999999).status_code, 404)
            self.assertEqual(self._post(url % self.order.id).status_code, 404)
            self._assert_limited(self._post(url % self.order.id))
        self.assertEqual(self.order.state, "sale")

    def test_act_as_limited(self):
        self.authenticate(self.rep.login, self.rep.login)
        act = f"/my/b2b/accounts/{self.company.id}/act"
        with patch.object(portal_controller, "ACT_RATE_LIMIT", 1):
            self.assertEqual(self._post(act).status_code, 303)
            self._assert_limited(self._post(act))
            # Stopping has its own counter.
            self.assertEqual(self._post("/my/b2b/act/stop").status_code, 303)
            self._assert_limited(self._post("/my/b2b/act/stop"))
        self.assertEqual(
            self.env["b2b.act.log"]
            .search([("partner_id", "=", self.company.id)])
            .mapped("action"),
            ["stop", "start"],
        )

    def test_default_limits(self):
        """The limits a real buyer never reaches."""
        self.assertEqual(orders_controller.APPROVAL_RATE_LIMIT, 30)
        self.assertEqual(orders_controller.REORDER_RATE_LIMIT, 10)
        self.assertEqual(orders_controller.QUOTE_RATE_LIMIT, 10)
        self.assertEqual(portal_controller.ACT_RATE_LIMIT, 20)
