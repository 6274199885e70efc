from .common import CdiscountCommon


def relay_id(raw):
    """The relay point id somewhere in a raw order (REST ``relayId``, SOAP
    ``RelayId``)."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key in ("relayId", "RelayId") and isinstance(value, str) and value:
                return value
            found = relay_id(value)
            if found:
                return found
    elif isinstance(raw, list):
        for value in raw:
            found = relay_id(value)
            if found:
                return found
    return None


class OrderImportCases:
    """Orders of the emulator imported end to end, on the class's API."""

    def imported(self, numbers):
        bindings = self.bindings().filtered(lambda b: b.external_id in numbers)
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(numbers))
        return bindings

    def product_lines(self, order):
        return order.order_line.filtered(lambda x: x.product_id in self.products)

    def test_orders_of_every_shape_match_cdiscount_to_the_cent(self):
        relay = self.create_orders(2, relay_share=1.0, additional_shipping_share=1.0)
        company = self.create_orders(2, company_share=1.0, multi_line_share=1.0)
        fees = self.create_orders(2, fee_line_share=1.0)
        refused = self.create_orders(2, multi_line_share=1.0, refused_line_share=1.0)
        others = self.create_orders(6)
        run = self.import_orders()
        self.assertEqual(run.state, "done")
        numbers = relay + company + fees + refused + others
        bindings = self.imported(numbers)
        for binding in bindings:
            self.assertTrue(binding.raw_payload)
            order = self.assert_sale_order_as_cdiscount(binding)
            record = self.record(binding.external_id)
            active = [
                line for line in record["lines"] if line["active"] and not line["fee"]
            ]
            self.assertEqual(
                sum(self.product_lines(order).mapped("product_uom_qty")),
                sum(line["quantity"] for line in active),
                binding.external_id,
            )
            # Cdiscount's commission when it gives one
            self.assertAlmostEqual(
                binding.commission_amount, float(record["commission"] or 0), 2
            )
        for binding in bindings.filtered(lambda b: b.external_id in relay):
            self.assertTrue(self.record(binding.external_id)["relay"])
            point = relay_id(binding.raw_payload)
            self.assertTrue(point)
            self.assertIn(point, binding.sale_order_id.mp_delivery_instructions or "")
        for binding in bindings.filtered(lambda b: b.external_id in company):
            name = self.record(binding.external_id)["company"]
            order = binding.sale_order_id
            self.assertIn(
                name,
                (
                    order.partner_id.commercial_partner_id.name,
                    order.partner_invoice_id.company_name,
                    order.partner_shipping_id.company_name,
                ),
            )
        for binding in bindings.filtered(lambda b: b.external_id in fees):
            fee_skus = {fee["sku"] for fee in self.record(binding.external_id)["fees"]}
            self.assertTrue(fee_skus)
            order = binding.sale_order_id
            self.assertFalse(
                fee_skus & set(order.order_line.product_id.mapped("default_code"))
            )
            self.assertFalse(binding.missing_sku_ids)
        for binding in bindings.filtered(lambda b: b.external_id in refused):
            lines = self.record(binding.external_id)["lines"]
            self.assertTrue([line for line in lines if not line["active"]])
        # importing again changes nothing
        before = {b.external_id: (b.sale_order_id.id, b.state) for b in bindings}
        self.import_orders()
        after = {b.external_id: (b.sale_order_id.id, b.state) for b in self.bindings()}
        self.assertEqual(before, after)

    def test_unknown_products_and_bad_data_wait_in_error(self):
        numbers = self.create_orders(8, unknown_sku_share=0.25, malformed_share=0.25)
        self.import_orders()
        for binding in self.imported(numbers):
            record = self.record(binding.external_id)
            self.assertTrue(binding.raw_payload)
            if record["kind"] == "valid":
                self.assert_sale_order_as_cdiscount(binding)
                continue
            self.assertEqual(binding.state, "error", binding.external_id)
            self.assertFalse(binding.sale_order_id)
            self.assertTrue(binding.error_message)
            self.assertEqual(
                binding.error_kind,
                "product" if record["kind"] == "unknown_sku" else "data",
                binding.error_message,
            )

    def test_throttling_and_server_errors_lose_nothing(self):
        numbers = self.create_orders(10)
        throttle = "rate_quota" if self.generation == "soap" else "rate_429"
        self.cdiscount.set_faults({throttle: 0.3, "rate_5xx": 0.2, "retry_after": 1})
        try:
            self.import_orders()
        finally:
            self.cdiscount.set_faults({throttle: 0, "rate_5xx": 0})
        bindings = self.imported(numbers)
        self.assertEqual(set(bindings.mapped("state")), {"done"})
        self.assertGreater(self.job_stats["retried"], 0)


class TestRestOrderImport(OrderImportCases, CdiscountCommon):
    generation = "rest"


class TestSoapOrderImport(OrderImportCases, CdiscountCommon):
    generation = "soap"
