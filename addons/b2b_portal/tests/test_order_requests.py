from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from ..controllers import order_requests
from ..controllers.throttle import clear_rate_limits
from .test_accounts import make_b2b_company, make_b2b_user

ROUTE = "/my/orders/%s/b2b_request"


@tagged("post_install", "-at_install")
class TestOrderRequests(HttpCase):
    """Change and cancellation requests on confirmed orders not yet shipped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        Product = cls.env["product.product"]

        def product(name, **values):
            record = Product.create(
                dict(
                    {
                        "name": name,
                        "type": "consu",
                        "is_storable": True,
                        "list_price": 50.0,
                        "sale_ok": True,
                        "is_published": True,
                        "taxes_id": [(5, 0, 0)],
                    },
                    **values,
                )
            )
            cls.env["stock.quant"]._update_available_quantity(
                record, cls.warehouse.lot_stock_id, 100
            )
            return record

        cls.cable = product("Request Test Cable")
        cls.socket = product("Request Test Socket", b2b_pack_qty=5)
        cls.salesman = new_test_user(
            cls.env,
            login="b2b.req.salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Sam Salesman",
        )
        cls.rep = new_test_user(
            cls.env,
            login="b2b.req.rep",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Rita Rep",
            password="b2b.req.rep",
        )
        cls.company_a = make_b2b_company(
            cls.env, "Request Company A", user_id=cls.rep.id
        )
        cls.company_b = make_b2b_company(cls.env, "Request Company B")
        cls.buyer_a = make_b2b_user(cls.env, cls.company_a, "b2b.req.buyer.a")
        cls.viewer_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.req.viewer.a", "viewer"
        )
        cls.buyer_b = make_b2b_user(cls.env, cls.company_b, "b2b.req.buyer.b")

    def setUp(self):
        super().setUp()
        clear_rate_limits()
        self.order = self._order(self.buyer_a)

    # --- helpers ------------------------------------------------------------

    def _order(self, user, salesman=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": user.partner_id.id,
                "user_id": (salesman or self.salesman).id,
                "order_line": [
                    (0, 0, {"product_id": self.cable.id, "product_uom_qty": 5}),
                    (0, 0, {"product_id": self.socket.id, "product_uom_qty": 20}),
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(len(order.picking_ids), 1)
        return order

    def _line(self, order, product):
        return order.order_line.filtered(lambda line: line.product_id == product)

    def _post(self, url, **data):
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        return self.url_open(url, data=data, allow_redirects=False)

    def _ask(self, order=None, **data):
        order = order or self.order
        return self._post(ROUTE % order.id, **data)

    def _requests(self, order=None):
        return self.env["b2b.order.request"].search(
            [("order_id", "=", (order or self.order).id)]
        )

    def _page(self, order=None):
        order = order or self.order
        return self.url_open(f"/my/orders/{order.id}").text

    def _follow(self, response):
        self.assertEqual(response.status_code, 303, response.text[:500])
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, f"/my/orders/{self.order.id}")
        return self.url_open(f"{location.path}?{location.query}").text

    def _ship(self, order):
        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def _customer_messages(self, order, partner):
        return order.message_ids.filtered(lambda m: partner in m.partner_ids)

    def _json_call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    # --- customer area ------------------------------------------------------

    def test_page_shows_the_form(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        page = self._page()
        self.assertIn("o_b2b_order_request_form", page)
        self.assertIn(ROUTE % self.order.id, page)
        for line in self.order.order_line:
            self.assertIn(f'name="qty_{line.id}"', page)

    def test_request_cancellation(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        response = self._ask(request_type="cancel", message="Ordered twice, sorry.")
        page = self._follow(response)
        order_request = self._requests()
        self.assertEqual(len(order_request), 1)
        self.assertEqual(order_request.request_type, "cancel")
        self.assertEqual(order_request.state, "new")
        self.assertTrue(order_request.name.startswith("REQ/"))
        self.assertEqual(order_request.partner_id, self.buyer_a.partner_id)
        self.assertEqual(order_request.commercial_partner_id, self.company_a)
        self.assertEqual(order_request.user_id, self.salesman)
        self.assertFalse(order_request.acting_partner_id)
        self.assertIn("o_b2b_request_sent", page)
        self.assertIn(f'data-name="{order_request.name}"', page)
        self.assertIn('data-state="new"', page)
        # No second form while the request waits.
        self.assertNotIn("o_b2b_order_request_form", page)
        # The order's chatter tells it, the salesperson has a To-Do.
        self.assertIn("Cancellation requested", self.order.message_ids[0].body)
        activity = order_request.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertEqual(self.order.b2b_order_request_count, 1)

    def test_request_modification_then_apply(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        cable, socket = (
            self._line(self.order, self.cable),
            self._line(self.order, self.socket),
        )
        response = self._ask(
            request_type="modify",
            **{f"qty_{cable.id}": "2", f"qty_{socket.id}": "20"},
        )
        self._follow(response)
        order_request = self._requests()
        self.assertEqual(order_request.request_type, "modify")
        self.assertEqual(order_request.line_ids.sale_line_id, cable, "changed only")
        self.assertEqual(order_request.line_ids.ordered_qty, 5)
        self.assertEqual(order_request.line_ids.new_quantity, 2)
        # The salesperson applies it: the order line and its delivery follow.
        order_request.with_user(self.salesman).action_b2b_apply()
        self.assertEqual(order_request.state, "done")
        self.assertTrue(order_request.date_done)
        self.assertFalse(order_request.activity_ids, "To-Do done")
        self.assertEqual(cable.product_uom_qty, 2)
        self.assertEqual(socket.product_uom_qty, 20)
        move = self.order.picking_ids.move_ids.filtered(
            lambda m: m.product_id == self.cable and m.state != "cancel"
        )
        self.assertEqual(sum(move.mapped("product_uom_qty")), 2)
        self.assertTrue(self._customer_messages(self.order, self.buyer_a.partner_id))
        page = self._page()
        self.assertIn('data-state="done"', page)

    def test_remove_a_line(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        socket = self._line(self.order, self.socket)
        self._follow(self._ask(request_type="modify", **{f"qty_{socket.id}": "0"}))
        order_request = self._requests()
        order_request.with_user(self.salesman).action_b2b_apply()
        self.assertEqual(socket.product_uom_qty, 0)
        moves = self.order.picking_ids.move_ids.filtered(
            lambda m: m.product_id == self.socket and m.state != "cancel"
        )
        self.assertFalse(sum(moves.mapped("product_uom_qty")))

    def test_modification_with_a_message_only(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        self._follow(
            self._ask(request_type="modify", message="Deliver to our depot instead.")
        )
        order_request = self._requests()
        self.assertFalse(order_request.line_ids)
        with self.assertRaises(UserError):
            order_request.with_user(self.salesman).action_b2b_apply()
        order_request.with_user(self.salesman).action_b2b_mark_done()
        self.assertEqual(order_request.state, "done")
        self.assertTrue(self._customer_messages(self.order, self.buyer_a.partner_id))

    def test_invalid_quantities(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        cable, socket = (
            self._line(self.order, self.cable),
            self._line(self.order, self.socket),
        )
        cases = [
            ({f"qty_{cable.id}": "6"}, "can only be lowered"),
            ({f"qty_{cable.id}": "-1"}, "0 or more"),
            ({f"qty_{cable.id}": "two"}, "0 or more"),
            ({f"qty_{cable.id}": "nan"}, "0 or more"),
            ({f"qty_{socket.id}": "12"}, "packs of 5"),
            ({f"qty_{cable.id}": "0", f"qty_{socket.id}": "0"}, "cancellation"),
            ({}, "new quantities or a message"),
        ]
        for values, error in cases:
            with self.subTest(values=values):
                page = self._follow(self._ask(request_type="modify", **values))
                self.assertIn("o_b2b_request_error", page)
                self.assertIn(error, page)
                self.assertFalse(self._requests())
        # The error is shown once.
        self.assertNotIn("o_b2b_request_error", self._page())
        page = self._follow(self._ask(request_type="other"))
        self.assertIn("o_b2b_request_error", page)
        self.assertFalse(self._requests())
        # A quantity of a line of another order is ignored.
        other = self._order(self.buyer_a)
        page = self._follow(
            self._ask(request_type="modify", **{f"qty_{other.order_line[0].id}": "1"})
        )
        self.assertFalse(self._requests())
        self.assertEqual(other.order_line[0].product_uom_qty, 5)

    def test_refused_when_shipped(self):
        self._ship(self.order)
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        page = self._page()
        self.assertNotIn("o_b2b_order_request_form", page)
        self.assertIn("o_b2b_request_refusal", page)
        page = self._follow(self._ask(request_type="cancel"))
        self.assertIn("has shipped", page)
        self.assertFalse(self._requests())

    def test_refused_when_not_confirmed(self):
        self.order._action_cancel()
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        self.assertNotIn("o_b2b_order_request_form", self._page())
        self._follow(self._ask(request_type="cancel"))
        self.assertFalse(self._requests())

    def test_viewer_refused(self):
        self.authenticate(self.viewer_a.login, self.viewer_a.login)
        page = self._page()
        self.assertNotIn("o_b2b_order_request_form", page)
        with mute_logger("odoo.http"):
            response = self._ask(request_type="cancel")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._requests())

    def test_other_company_not_found(self):
        self.authenticate(self.buyer_b.login, self.buyer_b.login)
        with mute_logger("odoo.http"):
            response = self._ask(request_type="cancel")
            self.assertEqual(response.status_code, 404)
            # Not even with the order's access token.
            response = self._ask(
                request_type="cancel", access_token=self.order._portal_ensure_token()
            )
            self.assertEqual(response.status_code, 404)
            response = self._post(ROUTE % 999999999, request_type="cancel")
            self.assertEqual(response.status_code, 404)
        self.assertFalse(self._requests())

    def test_needs_csrf(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        with mute_logger("odoo.http"):
            response = self._ask(request_type="cancel", csrf_token="forged")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._requests())

    def test_second_open_request_refused_then_withdraw(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        self._follow(self._ask(request_type="cancel"))
        page = self._follow(self._ask(request_type="modify", message="Also this."))
        self.assertIn("waits for our answer", page)
        order_request = self._requests()
        self.assertEqual(len(order_request), 1)
        # The customer withdraws it, and may then send another one.
        self.assertIn(
            f"/my/orders/{self.order.id}/b2b_request/{order_request.id}/withdraw", page
        )
        page = self._follow(
            self._post(
                f"/my/orders/{self.order.id}/b2b_request/{order_request.id}/withdraw"
            )
        )
        self.assertIn("o_b2b_request_withdrawn", page)
        self.assertEqual(order_request.state, "withdrawn")
        self.assertFalse(order_request.activity_ids)
        self._follow(self._ask(request_type="modify", message="Another thing."))
        self.assertEqual(len(self._requests()), 2)
        # A second open request cannot be created in the back office either.
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["b2b.order.request"].create(
                {"order_id": self.order.id, "request_type": "cancel"}
            )

    def test_withdraw_other_company(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        self._follow(self._ask(request_type="cancel"))
        order_request = self._requests()
        self.authenticate(self.buyer_b.login, self.buyer_b.login)
        with mute_logger("odoo.http"):
            response = self._post(
                f"/my/orders/{self.order.id}/b2b_request/{order_request.id}/withdraw"
            )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(order_request.state, "new")

    def test_rate_limit(self):
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        with (
            patch.object(order_requests, "REQUEST_RATE_LIMIT", 2),
            mute_logger("odoo.addons.b2b_portal.controllers.throttle"),
        ):
            self.assertEqual(self._ask(request_type="bogus").status_code, 303)
            self.assertEqual(self._ask(request_type="bogus").status_code, 303)
            response = self._ask(request_type="cancel")
        self.assertEqual(response.status_code, 429)
        self.assertFalse(self._requests())

    def test_rep_acting_for_the_customer(self):
        order = self._order(self.buyer_a, salesman=self.rep)
        self.authenticate(self.rep.login, self.rep.login)
        self.assertEqual(
            self._post(f"/my/b2b/accounts/{self.company_a.id}/act").status_code, 303
        )
        self.assertIn("o_b2b_order_request_form", self._page(order))
        response = self._ask(order, request_type="cancel", message="By phone.")
        self.assertEqual(response.status_code, 303)
        order_request = self._requests(order)
        self.assertEqual(order_request.partner_id, self.buyer_a.partner_id)
        self.assertEqual(order_request.acting_partner_id, self.rep.partner_id)
        self.assertEqual(order_request.activity_ids.user_id, self.rep)
        log = self.env["b2b.act.log"].search(
            [("order_id", "=", order.id), ("action", "=", "request")]
        )
        self.assertEqual(log.user_id, self.rep)
        self.assertEqual(log.partner_id, self.company_a)
        self.assertIn("Rita Rep for Request Company A", order.message_ids[0].body)

    def test_other_rep_refused(self):
        order = self._order(self.buyer_a, salesman=self.salesman)
        self.authenticate(self.salesman.login, self.salesman.login)
        with mute_logger("odoo.http"):
            response = self._ask(order, request_type="cancel")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._requests(order))

    # --- back office ----------------------------------------------------------

    def _new_request(self, request_type="cancel", quantities=None, message=None):
        return (
            self.env["b2b.order.request"]
            .with_user(self.buyer_a)
            ._b2b_portal_create(
                self.order, request_type, quantities=quantities, message=message
            )
        )

    def test_to_do_without_salesperson(self):
        team = self.env["crm.team"].create(
            {"name": "Request Test Team", "user_id": self.rep.id}
        )
        self.order.write({"user_id": False, "team_id": team.id})
        order_request = self._new_request("cancel")
        self.assertEqual(order_request.activity_ids.user_id, self.rep, "team leader")
        order_request.action_b2b_mark_done()
        team.user_id = False
        order_request = self._new_request("cancel")
        self.assertEqual(
            order_request.activity_ids.user_id, self.env.ref("base.user_admin")
        )

    def test_staff_cancel_the_order(self):
        order_request = self._new_request("cancel")
        picking = self.order.picking_ids
        order_request.with_user(self.salesman).action_b2b_cancel_order()
        self.assertEqual(self.order.state, "cancel")
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(order_request.state, "done")
        messages = self._customer_messages(self.order, self.buyer_a.partner_id)
        self.assertIn("is cancelled", messages[0].body)

    def test_staff_refuse_notifies_the_customer(self):
        order_request = self._new_request("cancel")
        with self.assertRaises(UserError):
            order_request.with_user(self.salesman).action_b2b_refuse()
        order_request.refuse_reason = "Already on the truck."
        order_request.with_user(self.salesman).action_b2b_refuse()
        self.assertEqual(order_request.state, "refused")
        self.assertEqual(self.order.state, "sale")
        messages = self._customer_messages(self.order, self.buyer_a.partner_id)
        self.assertIn("Already on the truck.", messages[0].body)
        notified = messages[0].notification_ids.filtered(
            lambda n: n.res_partner_id == self.buyer_a.partner_id
        )
        self.assertEqual(notified.notification_type, "email")
        # Shown on the order page.
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        page = self._page()
        self.assertIn("Already on the truck.", page)
        self.assertIn('data-state="refused"', page)
        with self.assertRaises(UserError):
            order_request.with_user(self.salesman).action_b2b_mark_done()

    def test_staff_apply_after_shipping(self):
        cable = self._line(self.order, self.cable)
        order_request = self._new_request("modify", quantities={cable.id: 1.0})
        self._ship(self.order)
        with self.assertRaisesRegex(UserError, "has shipped"):
            order_request.with_user(self.salesman).action_b2b_apply()
        self.assertEqual(cable.product_uom_qty, 5)
        self.assertEqual(order_request.state, "new")

    def test_staff_cancel_after_shipping(self):
        order_request = self._new_request("cancel")
        self._ship(self.order)
        with self.assertRaisesRegex(UserError, "has shipped"):
            order_request.with_user(self.salesman).action_b2b_cancel_order()
        self.assertEqual(self.order.state, "sale")

    def test_smart_button(self):
        order_request = self._new_request("cancel")
        order = self.order.with_user(self.salesman)
        self.assertEqual(order.b2b_order_request_count, 1)
        action = order.action_view_b2b_order_requests()
        self.assertEqual(action["res_id"], order_request.id)

    # --- record rules ---------------------------------------------------------

    def test_other_company_cannot_read_requests(self):
        cable = self._line(self.order, self.cable)
        order_request = self._new_request("modify", quantities={cable.id: 1.0})
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        own = self._json_call(
            "b2b.order.request", "search_read", [], fields=["name", "state"]
        )
        self.assertEqual([r["id"] for r in own], order_request.ids)
        self.authenticate(self.buyer_b.login, self.buyer_b.login)
        for model, record in (
            ("b2b.order.request", order_request),
            ("b2b.order.request.line", order_request.line_ids),
        ):
            self.assertEqual(
                self._json_call(model, "search_read", [], fields=["id"]), [], model
            )
            with (
                mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self._json_call(model, "read", record.ids, ["id"])
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        # Portal users never write them.
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        with (
            mute_logger("odoo.http"),
            self.assertRaises(JsonRpcException) as caught,
        ):
            self._json_call(
                "b2b.order.request", "write", order_request.ids, {"state": "done"}
            )
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        self.assertEqual(order_request.state, "new")

    def test_salesman_sees_own_orders_requests(self):
        order_request = self._new_request("cancel")
        Request = self.env["b2b.order.request"]
        domain = [("order_id", "=", self.order.id)]
        self.assertEqual(Request.with_user(self.salesman).search(domain), order_request)
        self.assertFalse(Request.with_user(self.rep).search(domain))
