from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import AmazonCommon


class TestAmazonBackend(AmazonCommon):
    def test_defaults_of_a_new_account(self):
        backend = self.env["mp.backend"].create(
            {"name": "Amazon new", "backend_type": "amazon"}
        )
        self.assertEqual(
            backend.endpoint_url, "https://sellingpartnerapi-eu.amazon.com"
        )
        self.assertEqual(
            sorted(backend.import_state_ids.mapped("code")),
            ["AFN:Shipped", "PartiallyShipped", "Unshipped"],
        )
        self.assertEqual(backend.amazon_marketplace_ids.code, "FR")
        self.assertFalse(backend.amazon_credentials_set)

    def test_connection(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("A1SANDBOXSELLER1", action["params"]["message"])
        self.backend.sudo().amazon_refresh_token = "Atzr|revoked"
        with self.assertRaises(UserError) as err:
            self.backend.action_test_connection()
        self.assertNotIn("Atzr|revoked", str(err.exception))

    def test_credentials_are_for_managers_only(self):
        user = new_test_user(
            self.env,
            login="amazon_user",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        backend = self.backend.with_user(user)
        self.assertTrue(backend.amazon_credentials_set)
        with self.assertRaises(AccessError):
            backend.read(["amazon_refresh_token"])
        with self.assertRaises(AccessError):
            backend.read(["amazon_lwa_client_secret"])

    def test_carrier_presets(self):
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Colissimo Expert",
                "product_id": self.env["product.product"]
                .create({"name": "Colissimo", "type": "service"})
                .id,
            }
        )
        self.backend.action_amazon_map_carriers()
        mapping = self.backend.carrier_mapping_ids.filtered(
            lambda m: m.carrier_id == carrier
        )
        self.assertEqual(mapping.marketplace_code, "Colissimo")

    def test_condition_labels(self):
        # Amazon's condition types in words; a Mirakl state code is not one
        self.assertEqual(self.backend._offer_condition_label("new_new"), "New")
        self.assertEqual(
            self.backend._offer_condition_label("used_very_good"), "Used - Very Good"
        )
        self.assertEqual(self.backend._offer_condition_label("11"), "11")
        self.assertEqual(
            self.env["mp.backend"]._offer_condition_label("new_open_box"),
            "New - Open Box",
        )
