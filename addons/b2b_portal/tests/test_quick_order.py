from decimal import Decimal

from mphub.b2b.quick_order import MAX_LINES, RequestedLine, parse_text

from odoo import http
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.b2b_portal.controllers.quick_order import RATE_LIMIT, rate_limiter
from odoo.addons.b2b_portal.services.quick_order import QuickOrder


def _line(number, reference, quantity="1", error=None):
    quantity = Decimal(quantity) if quantity is not None else None
    return RequestedLine(
        number=number,
        reference=reference,
        quantity=quantity,
        error=error,
        raw=reference,
    )


@tagged("post_install", "-at_install")
class TestQuickOrder(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        cls.website = env.ref("website.default_website")
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.website.company_id.id)], limit=1
        )
        cls.website.warehouse_id = cls.warehouse
        Product = env["product.product"]
        values = []
        for index in range(1, 26):
            values.append(
                {
                    "name": f"Quick Order Item {index:03d}",
                    "default_code": f"QOT-{index:03d}",
                    "list_price": 10.0 + index,
                    "type": "consu",
                    "is_storable": index != 25,
                    "sale_ok": True,
                    "is_published": True,
                    "sale_delay": 3,
                    "allow_out_of_stock_order": index != 22,
                }
            )
        cls.products = Product.create(values)
        cls.products[0].barcode = "3761234567890"
        cls.products[22].product_tmpl_id.b2b_min_qty = 10  # QOT-023
        cls.products[23].product_tmpl_id.b2b_pack_qty = 6  # QOT-024
        location = cls.warehouse.lot_stock_id
        for product in cls.products[:20] | cls.products[22:24]:
            env["stock.quant"]._update_available_quantity(product, location, 100)
        cls.twins = Product.create(
            [
                {
                    "name": "Twin Widget Alpha",
                    "default_code": "TW-A",
                    "list_price": 5,
                    "is_published": True,
                },
                {
                    "name": "Twin Widget Beta",
                    "default_code": "TW-B",
                    "list_price": 5,
                    "is_published": True,
                },
            ]
        )
        cls.hidden = Product.create(
            {"name": "Hidden Item", "default_code": "QOT-HIDDEN", "is_published": False}
        )
        # Company A: negotiated price for QOT-001, with a tier from 10.
        cls.pricelist_a = env["product.pricelist"].create(
            {
                "name": "QOT Company A",
                "website_id": cls.website.id,
                "selectable": False,
                "sequence": 999,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.products[0].id,
                            "compute_price": "fixed",
                            "fixed_price": 8.0,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.products[0].id,
                            "compute_price": "fixed",
                            "fixed_price": 7.0,
                            "min_quantity": 10,
                        },
                    ),
                ],
            }
        )
        cls.pricelist_b = env["product.pricelist"].create(
            {
                "name": "QOT Company B",
                "website_id": cls.website.id,
                "selectable": False,
                "sequence": 998,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.products[0].id,
                            "compute_price": "fixed",
                            "fixed_price": 9.5,
                        },
                    )
                ],
            }
        )
        Partner = env["res.partner"]
        cls.company_a = Partner.create(
            {
                "name": "QOT Reseller A",
                "is_company": True,
                "b2b_state": "validated",
                "property_product_pricelist": cls.pricelist_a.id,
            }
        )
        cls.company_b = Partner.create(
            {
                "name": "QOT Installer B",
                "is_company": True,
                "b2b_state": "validated",
                "property_product_pricelist": cls.pricelist_b.id,
            }
        )
        cls.buyer = cls._portal_user("qot_buyer", cls.company_a, "buyer")
        cls.viewer = cls._portal_user("qot_viewer", cls.company_a, "viewer")
        cls.buyer_b = cls._portal_user("qot_buyer_b", cls.company_b, "buyer")

    @classmethod
    def _portal_user(cls, login, company, role):
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            name=login.replace("_", " ").title(),
            email=f"{login}@example.com",
        )
        user.partner_id.write({"parent_id": company.id, "b2b_role": role})
        return user

    def setUp(self):
        super().setUp()
        rate_limiter.clear()

    # -- service ------------------------------------------------------------
    def _service(self, user=None, pricelist=None):
        user = user or self.buyer
        env = self.env(user=user)
        return QuickOrder(
            env,
            self.website.with_env(env),
            user.partner_id.with_env(env),
            (pricelist or self.pricelist_a).with_env(env),
        )

    def test_buyer_gets_company_pricelist(self):
        self.assertEqual(
            self.buyer.partner_id.property_product_pricelist, self.pricelist_a
        )
        self.assertTrue(self.buyer._b2b_can_order())
        self.assertFalse(self.viewer._b2b_can_order())

    def test_resolve_codes(self):
        lines = [
            _line(1, "QOT-001", "5"),
            _line(2, "qot-002", "3"),
            _line(3, "3761234567890", "2"),
            _line(4, "NOPE-999"),
            _line(5, "Twin Widget"),
            _line(6, "QOT-023", "5"),
            _line(7, "QOT-024", "7"),
            _line(8, "QOT-021", "5"),
            _line(9, "QOT-022", "5"),
            _line(10, "QOT-HIDDEN"),
            _line(11, "=HYPERLINK(1)", None, error="formula"),
            _line(12, "QOT-003", None, error="bad_quantity"),
            _line(13, "", "2", error="no_reference"),
            _line(14, "QOT-003", "2.5"),
            _line(15, "QOT-024", "12"),
            _line(16, "QOT-025", "500"),
            _line(17, "QOT-001", "1", error="too_many_lines"),
            _line(18, "Item 007", "1"),
        ]
        rows = self._service().resolve(lines)
        self.assertEqual([row["number"] for row in rows], list(range(1, 19)))
        by_number = {row["number"]: row for row in rows}

        def check(number, status, code=""):
            row = by_number[number]
            self.assertEqual((row["status"], row["error_code"]), (status, code), row)
            if code:
                self.assertTrue(row["error"], row)
            return row

        ok = check(1, "ok")
        self.assertEqual(ok["product_id"], self.products[0].id)
        self.assertEqual(ok["default_code"], "QOT-001")
        self.assertEqual(ok["available"], 100)
        self.assertEqual(ok["lead_time"], 3)
        self.assertEqual(check(2, "ok")["product_id"], self.products[1].id)
        self.assertEqual(check(3, "ok")["product_id"], self.products[0].id)
        self.assertIn("NOPE-999", check(4, "error", "unknown")["error"])
        ambiguous = check(5, "error", "ambiguous")["error"]
        self.assertIn("TW-A", ambiguous)
        self.assertIn("TW-B", ambiguous)
        self.assertIn("10", check(6, "error", "below_minimum")["error"])
        self.assertIn("6", check(7, "error", "not_multiple")["error"])
        backorder = check(8, "backorder", "out_of_stock")
        self.assertEqual(backorder["available"], 0)
        self.assertTrue(backorder["product_id"])
        check(9, "error", "out_of_stock")
        check(10, "error", "unknown")
        check(11, "error", "formula")
        check(12, "error", "bad_quantity")
        check(13, "error", "no_reference")
        check(14, "error", "bad_quantity")
        check(15, "ok")
        # Not storable: always available.
        self.assertIsNone(check(16, "ok")["available"])
        self.assertIn(str(MAX_LINES), check(17, "error", "too_many_lines")["error"])
        # A name matching one product only, as a last resort.
        self.assertEqual(check(18, "ok")["product_id"], self.products[6].id)

    def test_resolve_parsed_text(self):
        text = "\n".join(f"QOT-{index:03d}\t{index}" for index in range(1, 21))
        rows = self._service().resolve(parse_text(text))
        self.assertEqual(len(rows), 20)
        self.assertEqual({row["status"] for row in rows}, {"ok"})
        self.assertEqual(
            [row["quantity"] for row in rows], [float(i) for i in range(1, 21)]
        )

    def test_prices_with_tier(self):
        rows = self._service().resolve(
            [
                _line(1, "QOT-001", "5"),
                _line(2, "QOT-001", "12"),
                _line(3, "QOT-005", "2"),
            ]
        )
        self.assertEqual(rows[0]["price_unit"], 8.0)
        self.assertEqual(rows[0]["subtotal"], 40.0)
        self.assertEqual(rows[1]["price_unit"], 7.0)
        self.assertEqual(rows[1]["subtotal"], 84.0)
        # No item for QOT-005: its sales price.
        self.assertEqual(rows[2]["price_unit"], 15.0)
        self.assertEqual(rows[0]["currency"], self.pricelist_a.currency_id.name)

    def test_lookup_in_bulk(self):
        """Resolving 25 lines costs no more queries than resolving 5."""
        service = self._service()

        def queries(count):
            lines = [_line(i, f"QOT-{i:03d}", "1") for i in range(1, count + 1)]
            lines += [_line(count + 1, "NOPE"), _line(count + 2, "Twin Widget")]
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            service.resolve(lines)
            return self.cr.sql_log_count - before

        queries(5)  # warm the caches that do not depend on the lines
        small, large = queries(5), queries(20)
        self.assertLessEqual(large, small + 2, (small, large))

    def test_suggest(self):
        suggestions = self._service().suggest("QOT-00")
        self.assertEqual(len(suggestions), 9)
        self.assertEqual(suggestions[0]["default_code"], "QOT-001")
        self.assertEqual(suggestions[0]["price_unit"], 8.0)
        self.assertFalse(self._service().suggest("Q"))
        codes = [s["default_code"] for s in self._service().suggest("QOT-HIDDEN")]
        self.assertNotIn("QOT-HIDDEN", codes)

    def test_add_to_cart(self):
        service = self._service()
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": self.buyer.partner_id.id,
                    "website_id": self.website.id,
                    "pricelist_id": self.pricelist_a.id,
                }
            )
            .with_user(self.buyer)
            .sudo()
        )
        rows = service.resolve(
            [
                _line(1, "QOT-001", "12"),
                _line(2, "NOPE"),
                _line(3, "QOT-021", "5"),
                _line(4, "QOT-021", "6"),
                _line(5, "QOT-025", "2"),
            ]
        )
        rows[3]["keep"] = True
        result = service.add_to_cart(order, rows)
        self.assertEqual([item["number"] for item in result["added"]], [1, 4, 5])
        self.assertEqual([item["number"] for item in result["refused"]], [2, 3])
        self.assertTrue(all(item["reason"] for item in result["refused"]))
        lines = {line.product_id.default_code: line for line in order.order_line}
        self.assertEqual(set(lines), {"QOT-001", "QOT-021", "QOT-025"})
        self.assertEqual(lines["QOT-001"].product_uom_qty, 12)
        self.assertEqual(lines["QOT-001"].price_unit, 7.0)
        self.assertEqual(lines["QOT-021"].product_uom_qty, 6)

    # -- routes -------------------------------------------------------------
    def _cart(self, user):
        return self.env["sale.order"].search(
            [
                ("partner_id", "=", user.partner_id.id),
                ("website_id", "=", self.website.id),
                ("state", "=", "draft"),
            ]
        )

    def test_page_for_buyer(self):
        self.authenticate("qot_buyer", "qot_buyer")
        response = self.url_open("/my/quick-order")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_b2b_quick_order", response.text)
        self.assertIn('name="file"', response.text)
        home = self.url_open("/my")
        self.assertIn("/my/quick-order", home.text)

    def test_viewer_refused(self):
        self.authenticate("qot_viewer", "qot_viewer")
        response = self.url_open("/my/quick-order")
        self.assertEqual(response.status_code, 403)
        self.assertIn("o_b2b_quick_order_refused", response.text)
        self.assertNotIn("/my/quick-order", self.url_open("/my").text)
        for route, params in (
            ("/b2b/quick-order/preview", {"text": "QOT-001\t1"}),
            ("/b2b/quick-order/lookup", {"term": "QOT"}),
            (
                "/b2b/quick-order/add",
                {"rows": [{"reference": "QOT-001", "quantity": 1}]},
            ),
        ):
            with (
                self.subTest(route=route),
                mute_logger("odoo.http"),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self.make_jsonrpc_request(route, params)
            self.assertIn("AccessError", str(caught.exception))
        self.assertFalse(self._cart(self.viewer))

    def test_public_redirected_to_login(self):
        self.authenticate(None, None)
        response = self.url_open("/my/quick-order", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_preview_prices_per_company(self):
        self.authenticate("qot_buyer", "qot_buyer")
        rows = self.make_jsonrpc_request(
            "/b2b/quick-order/preview", {"text": "QOT-001\t5\nQOT-001\t10"}
        )["rows"]
        self.assertEqual([row["price_unit"] for row in rows], [8.0, 7.0])
        self.authenticate("qot_buyer_b", "qot_buyer_b")
        rows = self.make_jsonrpc_request(
            "/b2b/quick-order/preview", {"text": "QOT-001\t5\nQOT-001\t10"}
        )["rows"]
        self.assertEqual([row["price_unit"] for row in rows], [9.5, 9.5])
        suggestions = self.make_jsonrpc_request(
            "/b2b/quick-order/lookup", {"term": "QOT-001"}
        )
        self.assertEqual([s["price_unit"] for s in suggestions], [9.5])

    def test_add_route_resolves_again(self):
        self.authenticate("qot_buyer", "qot_buyer")
        result = self.make_jsonrpc_request(
            "/b2b/quick-order/add",
            {
                "rows": [
                    {
                        "number": 1,
                        "reference": "QOT-001",
                        "quantity": 12,
                        "price_unit": 0.01,
                    },
                    {"number": 2, "reference": "QOT-021", "quantity": 3},
                    {"number": 3, "reference": "QOT-021", "quantity": 4, "keep": True},
                    {"number": 4, "reference": "QOT-023", "quantity": 2},
                    {"number": 5, "reference": "QOT-002", "quantity": "x"},
                ]
            },
        )
        self.assertEqual([item["number"] for item in result["added"]], [1, 3])
        self.assertEqual([item["number"] for item in result["refused"]], [2, 4, 5])
        self.assertEqual(result["cart_count"], 2)
        self.assertEqual(result["cart_url"], "/shop/cart")
        cart = self._cart(self.buyer)
        self.assertEqual(len(cart), 1)
        line = cart.order_line.filtered(lambda sol: sol.product_id == self.products[0])
        self.assertEqual(line.price_unit, 7.0)

    def _upload(self, filename, content, mimetype="text/csv"):
        return self.url_open(
            "/b2b/quick-order/upload",
            data={"csrf_token": http.Request.csrf_token(self)},
            files={"file": (filename, content, mimetype)},
            timeout=60,
        )

    def test_upload_csv(self):
        self.authenticate("qot_buyer", "qot_buyer")
        response = self._upload("order.csv", b"reference;quantity\nQOT-001;5\nNOPE;2\n")
        self.assertEqual(response.status_code, 200, response.text)
        rows = response.json()["rows"]
        self.assertEqual([row["status"] for row in rows], ["ok", "error"])
        self.assertEqual(rows[0]["price_unit"], 8.0)
        self.assertEqual(rows[1]["error_code"], "unknown")

    def test_upload_refused(self):
        self.authenticate("qot_buyer", "qot_buyer")
        big = b"QOT-001;1\n" * (3 * 1024 * 1024 // 10)
        response = self._upload("big.csv", big)
        self.assertEqual(response.status_code, 400)
        self.assertIn("too large", response.json()["error"])
        self.assertEqual(response.json()["rows"], [])
        response = self._upload(
            "order.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("CSV", response.json()["error"])

    def test_upload_needs_csrf(self):
        self.authenticate("qot_buyer", "qot_buyer")
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/b2b/quick-order/upload",
                data={"csrf_token": "forged"},
                files={"file": ("order.csv", b"QOT-001;1\n", "text/csv")},
            )
        self.assertEqual(response.status_code, 400)

    def test_preview_rate_limited(self):
        self.authenticate("qot_buyer", "qot_buyer")
        for _index in range(RATE_LIMIT):
            result = self.make_jsonrpc_request(
                "/b2b/quick-order/preview", {"text": "QOT-001"}
            )
            self.assertFalse(result["error"])
        result = self.make_jsonrpc_request(
            "/b2b/quick-order/preview", {"text": "QOT-001"}
        )
        self.assertTrue(result["error"])
        self.assertEqual(result["rows"], [])
        # Another user has their own allowance.
        self.authenticate("qot_buyer_b", "qot_buyer_b")
        result = self.make_jsonrpc_request(
            "/b2b/quick-order/preview", {"text": "QOT-001"}
        )
        self.assertFalse(result["error"])

    # -- tours --------------------------------------------------------------
    def test_tour_paste(self):
        self.start_tour("/my/quick-order", "b2b_quick_order_paste", login="qot_buyer")
        cart = self._cart(self.buyer)
        self.assertEqual(len(cart), 1)
        self.assertEqual(
            sorted(cart.order_line.mapped("product_id.default_code")),
            [f"QOT-{index:03d}" for index in range(1, 21)],
        )
        quantities = {
            line.product_id.default_code: line.product_uom_qty
            for line in cart.order_line
        }
        self.assertEqual(quantities["QOT-007"], 7)
        self.assertEqual(
            cart.order_line.filtered(
                lambda sol: sol.product_id == self.products[0]
            ).price_unit,
            8.0,
        )

    def test_tour_csv(self):
        self.start_tour("/my/quick-order", "b2b_quick_order_csv", login="qot_buyer")
        cart = self._cart(self.buyer)
        self.assertEqual(len(cart), 1)
        self.assertEqual(
            {
                line.product_id.default_code: line.product_uom_qty
                for line in cart.order_line
            },
            {"QOT-001": 2, "QOT-002": 3, "QOT-004": 4},
        )
