"""Orders the base cannot import yet, through the fake connector: kept with
their raw payload and every reason, replayed in one click, or by
themselves once the product they wait for exists."""

from .fake_common import FakeConnectorCase


class TestFakeOrderErrors(FakeConnectorCase):
    def test_a_malformed_order_is_kept_with_its_payload_and_every_reason(self):
        good = self.market.add_order(("FK-RED", 1))
        bad = self.market.add_order(("FK-RED", 1), ("FK-BLUE", 1))
        raw = self.market.orders[bad]
        raw["lines"][0]["quantity"] = "two"
        raw["lines"][1]["unit_price"] = "8,50"
        raw["buyer"]["name"] = ""
        run = self.import_orders()
        self.assertEqual(self.binding(good).state, "done")
        binding = self.binding(bad)
        self.assertEqual(binding.state, "error")
        self.assertEqual(binding.error_kind, "data")
        self.assertFalse(binding.sale_order_id)
        self.assertEqual(binding._raw(), raw, "the payload is kept as received")
        for path in ("lines[0].quantity", "lines[1].unit_price", "buyer.name"):
            self.assertIn(path, binding.error_message)
        self.assertEqual(run.count_error, 1)
        self.assertTrue(binding.activity_ids, "someone is asked to look at it")
        # replaying the same payload changes nothing
        message = binding.error_message
        binding.action_replay()
        self.assertEqual(binding.state, "error")
        self.assertEqual(binding.error_message, message)
        # fixed on the marketplace: one click downloads and imports it
        raw["lines"][0]["quantity"] = 1
        raw["lines"][1]["unit_price"] = "8.50"
        raw["buyer"]["name"] = "Jeanne Martin"
        self.click(binding.action_refetch)
        self.assertEqual(self.market.calls_of("get_orders"), [([bad],)])
        self.assertEqual(binding.state, "done", binding.error_message)
        self.assertFalse(binding.activity_ids)
        self.assertEqual(binding.sale_order_id.state, "sale")

    def test_an_order_without_id_is_still_kept(self):
        self.market.add_order(("FK-RED", 1), id="")
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(len(binding), 1)
        self.assertTrue(binding.external_id.startswith("invalid-"))
        self.assertEqual(binding.state, "error")
        self.assertIn("id", binding.error_message)

    def test_a_configuration_error_is_replayed_in_one_click(self):
        taxes = self.env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("company_id", "=", self.env.company.id)]
        )
        taxes.active = False
        binding = self.import_order(("FK-RED", 1))
        self.assertEqual(binding.state, "error")
        self.assertEqual(binding.error_kind, "config")
        self.assertIn("FK-RED", binding.error_message)
        taxes.active = True
        action = binding.action_replay()
        self.assertEqual(binding.state, "done")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Replayed by", binding.message_ids[0].body)

    def test_orders_waiting_for_a_product_are_replayed_when_it_appears(self):
        first = self.market.add_order(("FK-NEW", 1))
        second = self.market.add_order(("FK-NEW", 2), ("FK-RED", 1))
        self.import_orders()
        bindings = self.binding(first) | self.binding(second)
        self.assertEqual(set(bindings.mapped("error_kind")), {"product"})
        self.assertEqual(set(bindings.missing_sku_ids.mapped("sku")), {"FK-NEW"})
        self.assertIn("FK-NEW", self.binding(first).error_message)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_error_count, 2)
        with self.trap_jobs() as trap:
            self.env["product.product"].create(
                {"name": "New product", "default_code": "FK-NEW", "is_storable": True}
            )
            self.run_jobs(trap)
        self.assertEqual(set(bindings.mapped("state")), {"done"})
        self.assertFalse(bindings.missing_sku_ids)
        lines = self.binding(second).sale_order_id.order_line
        self.assertEqual(
            set(lines.filtered(lambda line: not line.is_delivery).mapped("name")),
            {"[FK-NEW] New product", "[FK-RED] Fake FK-RED"},
        )

    def test_an_order_waiting_for_an_ean_is_replayed_when_a_product_has_it(self):
        self.market.eans["SHOP-ODD"] = "3760000000999"
        binding = self.import_order(("SHOP-ODD", 1))
        self.assertEqual(binding.missing_sku_ids.ean, "3760000000999")
        red = self.product["FK-RED"]
        with self.trap_jobs() as trap:
            red.barcode = "3760000000999"
            self.run_jobs(trap)
        self.assertEqual(binding.state, "done")
        self.assertEqual(binding.sale_order_id.order_line.product_id[:1], red)

    def test_staff_link_an_unknown_sku_from_the_order(self):
        other = self.market.add_order(("SHOP-BLUE", 1))
        binding = self.import_order(("SHOP-BLUE", 3))
        action = binding.action_open_product_wizard()
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.line_ids.sku, "SHOP-BLUE")
        self.assertEqual(wizard.line_ids.quantity, 3)
        wizard.line_ids.product_id = self.product["FK-BLUE"]
        self.click(wizard.action_apply)
        self.assertEqual(binding.state, "done")
        offer = self.offers().filtered(lambda o: o.seller_sku == "SHOP-BLUE")
        self.assertEqual(offer.product_id, self.product["FK-BLUE"])
        # the other order waiting for the same SKU went too
        self.assertEqual(self.binding(other).state, "done")

    def test_an_order_in_another_currency_waits_for_a_pricelist(self):
        binding = self.import_order(("FK-RED", 1), currency="USD")
        self.assertEqual(binding.error_kind, "config")
        self.assertIn("USD", binding.error_message)
        self.backend.pricelist_id = self.env["product.pricelist"].create(
            {"name": "Fake market USD", "currency_id": self.env.ref("base.USD").id}
        )
        binding.action_replay()
        self.assertEqual(binding.state, "done")
        self.assertEqual(binding.sale_order_id.currency_id.name, "USD")
