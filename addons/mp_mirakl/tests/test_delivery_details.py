from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.tools import mute_logger

from odoo.addons.mp_connector_base.models.mp_order_binding import MpOrderBinding

from .common import BOULANGER_KEY, BOULANGER_SHOP, MiraklCommon

GENERIC_FIELDS = ("name", "street", "street2", "city", "zip", "country_id", "type")


class TestDeliveryDetails(MiraklCommon):
    def generic_backend(self):
        # a generic customer without address: Odoo would give it the address
        # of its first contact
        generic = self.env["res.partner"].create({"name": "Boulanger customers"})
        backend = self._create_backend(
            "Boulanger generic",
            "boulanger",
            BOULANGER_KEY,
            partner_strategy="generic",
            generic_partner_id=generic.id,
            accept_mode="always",
        )
        return backend, generic

    def test_generic_partner_is_never_written(self):
        backend, generic = self.generic_backend()
        before = generic.read(GENERIC_FIELDS + ("parent_id",))
        self.create_orders(20, shop=BOULANGER_SHOP)
        self.import_orders(backend)
        orders = self.bindings(backend).sale_order_id
        self.assertEqual(len(orders), 20)
        generic.invalidate_recordset()
        self.assertEqual(generic.read(GENERIC_FIELDS + ("parent_id",)), before)
        self.assertEqual(orders.partner_id, generic)
        self.assertEqual(orders.partner_invoice_id, generic)
        shipping = orders.partner_shipping_id
        self.assertEqual(shipping.parent_id, generic)
        self.assertEqual(set(shipping.mapped("type")), {"delivery"})
        self.assertNotIn(generic, shipping)

    def test_company_and_instructions_reach_the_delivery_slip(self):
        backend, _generic = self.generic_backend()
        order_ids = self.create_orders(40, shop=BOULANGER_SHOP)
        self.import_orders(backend)
        by_id = {b.external_id: b for b in self.bindings(backend)}
        with_info = with_company = 0
        for order_id in order_ids:
            raw = by_id[order_id].raw_payload
            shipping = raw["customer"]["shipping_address"]
            order = by_id[order_id].sale_order_id
            self.assertTrue(order, by_id[order_id].error_message)
            partner = order.partner_shipping_id
            self.assertEqual(
                partner.company_name or False, shipping.get("company", False)
            )
            info = shipping.get("additional_info")
            self.assertEqual(order.mp_delivery_instructions or False, info or False)
            if info:
                with_info += 1
                picking = order.picking_ids[:1]
                self.assertEqual(picking.mp_delivery_instructions, info)
                html = (
                    self.env["ir.actions.report"]
                    ._render_qweb_html("stock.action_report_delivery", picking.ids)[0]
                    .decode()
                )
                self.assertIn(info.replace("'", "&#39;"), html)
            if shipping.get("company"):
                with_company += 1
        self.assertTrue(with_info and with_company, "the sandbox gives both")

    def test_a_rolled_back_order_leaves_nothing_in_the_batch(self):
        """The savepoint of an order can be rolled back after its sale order
        was prepared (its release flushes, a concurrent update fails there):
        the batch must not create it on partners that no longer exist."""
        backend, generic = self.generic_backend()
        self.create_orders(3, shop=BOULANGER_SHOP)
        original = MpOrderBinding._process
        failed = []

        def process(binding, context):
            outcome = original(binding, context)
            if not failed:
                failed.append(binding.external_id)
                raise pg_errors.SerializationFailure("concurrent update")
            return outcome

        with patch.object(MpOrderBinding, "_process", process):
            self.import_orders(backend)
        bindings = self.bindings(backend)
        self.assertEqual(set(bindings.mapped("state")), {"done"})
        self.assertFalse(bindings.filtered("error_message"))
        orders = bindings.sale_order_id
        self.assertEqual(len(orders), 3)
        self.assertEqual(orders.partner_shipping_id.parent_id, generic)

    def test_database_errors_never_reach_the_reason(self):
        self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        run = self.env["mp.sync.run"].create(
            {"backend_id": self.backend.id, "operation": "process_orders"}
        )
        fk = pg_errors.ForeignKeyViolation("insert or update on table sale_order")
        self.assertEqual(binding._fail_processing(fk, run), "busy")
        check = pg_errors.CheckViolation('new row violates "secret_check" DETAIL: x')
        with mute_logger("odoo.addons.mp_connector_base.models.mp_order_binding"):
            self.assertEqual(binding._fail_processing(check, run), "error")
        self.assertIn("CheckViolation", binding.error_message)
        self.assertNotIn("secret_check", binding.error_message)
