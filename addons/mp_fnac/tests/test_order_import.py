"""Fnac orders imported end to end: what orders_query carries reaches the
sale order, to the cent; what cannot be imported waits with its reason."""

from decimal import Decimal

from odoo import Command

from .common import CENT, STATES, FnacCommon

RELAY_METHOD = "55"


def amount(value):
    return Decimal(str(value)).quantize(CENT)


class TestFnacOrderImport(FnacCommon):
    def imported(self, order_ids, backend=None):
        bindings = self.bindings(backend).filtered(lambda b: b.external_id in order_ids)
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(order_ids))
        return bindings

    def product_lines(self, order):
        return order.order_line.filtered(lambda x: x.product_id in self.products)

    def test_orders_of_every_shape_match_fnac_to_the_cent(self):
        relay = self.create_orders(3, relay_share=1.0)
        company = self.create_orders(3, company_share=1.0, multi_line_share=1.0)
        refused = self.create_orders(
            2, state="ToShip", multi_line_share=1.0, refused_line_share=1.0
        )
        others = self.create_orders(8)
        run = self.import_orders()
        self.assertEqual(run.state, "done", run.message)
        bindings = self.imported(relay + company + refused + others)
        for binding in bindings:
            self.assertTrue(binding.raw_payload)
            self.assert_order_details(binding)
        for binding in bindings.filtered(lambda b: b.external_id in relay):
            self.assertTrue(self.record(binding.external_id)["relay"])
            self.assert_relay_point(binding)
        for binding in bindings.filtered(lambda b: b.external_id in company):
            name = binding.raw_payload["billing_address"]["company"]
            order = binding.sale_order_id
            self.assertIn(
                name,
                (
                    order.partner_id.commercial_partner_id.name,
                    order.partner_invoice_id.company_name,
                    order.partner_invoice_id.commercial_partner_id.name,
                ),
            )
        for binding in bindings.filtered(lambda b: b.external_id in refused):
            lines = self.record(binding.external_id)["lines"]
            self.assertFalse(lines[-1]["active"])
            self.assertEqual(binding.order_status, "to_ship")
        # importing again changes nothing
        before = {b.external_id: (b.sale_order_id.id, b.state) for b in bindings}
        self.import_orders()
        after = {b.external_id: (b.sale_order_id.id, b.state) for b in self.bindings()}
        self.assertEqual(before, after)

    def assert_order_details(self, binding):
        """Lines, shipping, commission and buyer of ``binding``'s order as
        Fnac gives them."""
        order = self.assert_sale_order_as_fnac(binding)
        record = self.record(binding.external_id)
        raw = binding.raw_payload
        live = [line for line in record["lines"] if line["active"]]
        # the price is per unit, the quantity Fnac's, only the live lines
        self.assertEqual(
            sorted(
                (
                    line.mp_line_external_id,
                    line.product_uom_qty,
                    amount(line.price_unit),
                )
                for line in self.product_lines(order)
            ),
            sorted(
                (line["line_id"], line["quantity"], Decimal(line["unit_price"]))
                for line in live
            ),
            binding.external_id,
        )
        # each line's shipping, summed on the delivery line
        shipping = order.order_line.filtered("is_delivery")
        self.assertEqual(
            amount(sum(shipping.mapped("price_total"))),
            Decimal(record["shipping_total"]),
            binding.external_id,
        )
        # Fnac's commission (the order's fees, else its lines')
        self.assertEqual(
            amount(binding.commission_amount),
            Decimal(record["commission"] or 0),
            binding.external_id,
        )
        # the buyer: a last name always (the first name may be empty), the
        # relay e-mail address of Fnac when given
        partners = (
            order.partner_id | order.partner_invoice_id | order.partner_shipping_id
        )
        names = " / ".join(partners.mapped("name"))
        self.assertIn(raw["client_lastname"], names, binding.external_id)
        if raw.get("client_email"):
            self.assertIn(raw["client_email"], partners.mapped("email"))

    def assert_relay_point(self, binding):
        raw = binding.raw_payload
        address = raw["shipping_address"]
        self.assertEqual(
            {line["shipping_method"] for line in raw["order_detail"]}, {RELAY_METHOD}
        )
        order = binding.sale_order_id
        # the relay point's id for the carrier, its name on the delivery
        self.assertIn(address["address3"], order.mp_delivery_instructions or "")
        delivery = order.partner_shipping_id
        self.assertIn(
            address["company"],
            (delivery.name, delivery.company_name, delivery.parent_id.name),
        )
        self.assertIn(address["address1"], delivery.street)

    def test_vat_comes_from_the_products_through_the_fiscal_position(self):
        belgium = self.env.ref("base.be")
        self.belgian_group = self.env["account.tax.group"].create(
            {"name": "BE VAT (Fnac test)", "country_id": belgium.id}
        )
        french = self.products.taxes_id
        belgian = {tax: self.belgian_vat(tax, belgium) for tax in french}
        position = self.env["account.fiscal.position"].create(
            {
                "name": "OSS Belgium (Fnac test)",
                "sequence": 1,
                "auto_apply": True,
                "country_id": belgium.id,
                "tax_ids": [
                    Command.create({"tax_src_id": src.id, "tax_dest_id": dest.id})
                    for src, dest in belgian.items()
                ],
            }
        )
        order_ids = self.orders_to_belgium()
        self.import_orders()
        seen = set()
        for binding in self.imported(order_ids):
            order = self.assert_sale_order_as_fnac(binding)
            country = order.partner_shipping_id.country_id
            seen.add(country.code)
            for line in self.product_lines(order):
                expected = line.product_id.taxes_id
                if country == belgium:
                    self.assertEqual(order.fiscal_position_id, position)
                    expected = position.map_tax(expected)
                    self.assertEqual(expected.country_id, belgium)
                self.assertEqual(line.tax_id, expected, binding.external_id)
        self.assertEqual(seen, {"FR", "BE"})

    def belgian_vat(self, french, belgium):
        rate = {20.0: 21.0, 10.0: 12.0, 5.5: 6.0, 2.1: 6.0}.get(french.amount, 21.0)
        return self.env["account.tax"].create(
            {
                "name": f"BE VAT {rate}% incl. (Fnac test)",
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "country_id": belgium.id,
                "tax_group_id": self.belgian_group.id,
            }
        )

    def orders_to_belgium(self):
        """Orders of the emulator, until some ship to Belgium (8 % of the
        buyers live there)."""
        order_ids = []
        for _round in range(10):
            order_ids += self.create_orders(20, company_share=0.0)
            countries = {self.fnac_country(order_id) for order_id in order_ids[-20:]}
            if "BEL" in countries:
                return order_ids
        raise AssertionError("the emulator made no order to Belgium")

    def fnac_country(self, order_id):
        (raw,) = self.backend._get_client().get_orders([order_id])
        return raw["shipping_address"]["country"]

    def test_unknown_products_and_bad_data_wait_in_error(self):
        order_ids = self.create_orders(12, unknown_sku_share=0.25, malformed_share=0.25)
        self.import_orders()
        bindings = self.imported(order_ids)
        kinds = {b.external_id: self.record(b.external_id)["kind"] for b in bindings}
        # valid orders sell; the others wait, with their payload and reason
        self.assertEqual(
            {b.external_id: (b.state, b.error_kind) for b in bindings},
            {
                order_id: {
                    "valid": ("done", False),
                    "unknown_sku": ("error", "product"),
                    "malformed": ("error", "data"),
                }[kind]
                for order_id, kind in kinds.items()
            },
        )
        for binding in bindings:
            self.assertTrue(binding.raw_payload)
            if binding.state == "done":
                self.assert_sale_order_as_fnac(binding)
            else:
                self.assertFalse(binding.sale_order_id)
                self.assertTrue(binding.error_message)
        waiting = bindings.filtered(lambda b: kinds[b.external_id] == "unknown_sku")
        self.assertTrue(waiting)
        # the products are created: their orders are imported at once
        known = set(self.products.mapped("default_code"))
        skus = {
            line["sku"]
            for binding in waiting
            for line in self.record(binding.external_id)["lines"]
            if line["sku"] not in known
        }
        with self.trap_jobs() as trap:
            self.env["product.product"].create(
                [
                    {
                        "name": f"Fnac {sku}",
                        "default_code": sku,
                        "is_storable": True,
                        "taxes_id": [Command.set(self.products[0].taxes_id.ids)],
                    }
                    for sku in skus
                ]
            )
            self.run_jobs(trap)
        for binding in waiting:
            self.assertEqual(binding.state, "done", binding.error_message)
            self.assertEqual(
                amount(binding.sale_order_id.amount_total),
                Decimal(self.record(binding.external_id)["total"]),
            )

    def test_each_state_reads_as_its_meaning_and_the_imported_ones_sell(self):
        order_ids = []
        for state in STATES:
            order_ids += self.create_orders(1, state=state)
        self.import_orders()
        imported = set(self.backend.import_state_ids.mapped("code"))
        self.assertEqual(imported, {"Created", "Accepted", "ToShip"})
        seen = set()
        for binding in self.imported(order_ids):
            code = binding.marketplace_state
            seen.add(code)
            self.assertEqual(binding.marketplace_state_id.code, code)
            self.assertEqual(binding.order_status, STATES[code], code)
            if code in imported:
                self.assertEqual(binding.state, "done", binding.error_message)
            else:
                self.assertEqual(binding.state, "skipped", code)
                self.assertFalse(binding.sale_order_id)
        # Accepted orders may be billed (ToShip) by the time they are read
        self.assertLessEqual(set(STATES) - {"Accepted"}, seen)

    def test_two_shops_of_one_partner_import_their_own_orders(self):
        darty = self._create_backend("Darty", "darty")
        darty_shop = darty.fnac_shop_id
        fnac_orders = self.create_orders(4)
        darty_orders = self.create_orders(3, shop=darty_shop)
        self.import_orders()
        self.import_orders(darty)
        self.assertEqual(
            sorted(self.bindings().mapped("external_id")), sorted(fnac_orders)
        )
        self.assertEqual(
            sorted(self.bindings(darty).mapped("external_id")), sorted(darty_orders)
        )
        for binding in self.bindings(darty):
            self.assert_sale_order_as_fnac(binding, darty_shop)
            self.assertEqual(binding.sale_order_id.mp_backend_id, darty)
