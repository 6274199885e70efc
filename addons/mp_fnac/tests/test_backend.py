import os
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError

from odoo.addons.mp_fnac.models.mp_backend import API_URL, DEFAULT_IMPORT_STATES

from ..models.mp_demo import sandbox_shop
from .common import STATES, FnacCommon


class TestFnacAccount(FnacCommon):
    def test_defaults_of_a_new_account(self):
        backend = self.env["mp.backend"].create(
            {"name": "Fnac new", "backend_type": "fnac"}
        )
        self.assertEqual(backend.endpoint_url, API_URL)
        self.assertEqual(backend.fnac_shop_kind, "fnac")
        self.assertEqual(
            sorted(backend.import_state_ids.mapped("code")),
            sorted(DEFAULT_IMPORT_STATES),
        )
        self.assertFalse(backend.fnac_key_set)
        # the form's onchange fills the same
        draft = self.env["mp.backend"].new({"name": "Darty", "backend_type": "fnac"})
        draft._onchange_fnac_backend_type()
        self.assertEqual(draft.endpoint_url, API_URL)
        self.assertEqual(
            set(draft.import_state_ids.mapped("code")), set(DEFAULT_IMPORT_STATES)
        )

    def test_every_order_state_has_its_meaning(self):
        states = self.env["mp.marketplace.state"].search(
            [("backend_type", "=", "fnac")]
        )
        self.assertEqual(
            {state.code: state.status for state in states},
            STATES,
        )
        self.assertEqual(states[0].marketplace_name, "Fnac Darty")

    def test_settings_reach_the_client(self):
        shop = sandbox_shop("fnac")
        settings = self.backend._client_settings()
        self.assertEqual(settings["fnac_partner_id"], shop["partner_id"])
        self.assertEqual(settings["fnac_shop_id"], shop["shop_id"])
        self.assertEqual(settings["fnac_key"], shop["key"])
        self.assertEqual(settings["fnac_shop_kind"], "fnac")
        self.assertEqual(
            settings["endpoint_url"], self.sandbox.urls["fnac"] + "/api.php"
        )
        client = self.backend._get_client()
        self.assertEqual(client.partner_id, shop["partner_id"])
        self.assertEqual(client.shop_id, shop["shop_id"])
        self.assertEqual(client.status_batch_size, 25)
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        # the shop id is what auth checks with the key: another shop's id
        # with this key is refused, with the hint and never the key
        self.backend.fnac_shop_id = sandbox_shop("darty")["shop_id"]
        with self.assertRaises(UserError) as err:
            self.backend.action_test_connection()
        self.assertIn("shop ID", str(err.exception))
        self.assertNotIn(shop["key"], str(err.exception))
        self.backend.fnac_shop_id = shop["shop_id"]
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")

    def test_one_account_per_shop_and_company(self):
        darty = self._create_backend("Darty", "darty")
        self.assertEqual(darty.fnac_partner_id, self.backend.fnac_partner_id)
        self.assertNotEqual(darty.fnac_shop_id, self.backend.fnac_shop_id)
        with self.assertRaises(ValidationError):
            self._create_backend("Fnac twice")
        # the same shop typed in capitals is the same shop
        with self.assertRaises(ValidationError):
            self._create_backend(
                "Fnac upper", fnac_shop_id=self.backend.fnac_shop_id.upper()
            )
        # a copy of the account is for another shop: it has none yet
        copy = self.backend.copy({"name": "Fnac copy"})
        self.assertFalse(copy.fnac_shop_id)
        self.assertFalse(copy.sudo().fnac_key)
        # an archived account leaves its shop free; another company has its own
        self.backend.active = False
        again = self._create_backend("Fnac again")
        with self.assertRaises(ValidationError):
            self.backend.active = True
        company = self.env["res.company"].create({"name": "Other Fnac seller"})
        other = self._create_backend(
            "Fnac other company",
            company_id=company.id,
            warehouse_id=self.env["stock.warehouse"]
            .search([("company_id", "=", company.id)], limit=1)
            .id,
            pricelist_id=self.env["product.pricelist"]
            .create(
                {
                    "name": "Other EUR",
                    "currency_id": self.eur.id,
                    "company_id": company.id,
                }
            )
            .id,
        )
        self.assertEqual(other.fnac_shop_id, again.fnac_shop_id)

    def test_condition_labels(self):
        self.assertEqual(self.backend._offer_condition_label("11"), "New")
        self.assertEqual(self.backend._offer_condition_label("10"), "Refurbished")
        self.assertEqual(self.backend._offer_condition_label("4"), "Used - Correct")
        self.assertEqual(self.backend._offer_condition_label("99"), "99")

    def test_carriers_are_fetched_and_mapped(self):
        carriers = self.backend._get_client().list_carriers()
        self.assertGreater(len(carriers), 5)
        chosen = next(c for c in carriers if c["label"] == "Chronopost")
        product = self.env["product.product"].create(
            {"name": "Chronopost Fnac", "type": "service"}
        )
        carrier = self.env["delivery.carrier"].search(
            [("name", "=ilike", "chronopost")], limit=1
        ) or self.env["delivery.carrier"].create(
            {"name": "Chronopost", "product_id": product.id}
        )
        with self.trap_jobs() as trap:
            self.backend.action_fnac_fetch_carriers()
            self.run_jobs(trap)
        mapping = self.backend.carrier_mapping_ids.filtered(
            lambda m: m.marketplace_code == chosen["code"]
        )
        self.assertEqual(len(mapping), 1)
        self.assertEqual(mapping.carrier_id, carrier)
        self.assertIn(
            "without a matching shipping method", self.backend.message_ids[0].body
        )
        with self.assertRaises(UserError):
            self.env["mp.backend"].action_fnac_fetch_carriers()

    def test_demo_accounts_reach_the_sandbox(self):
        fnac = self.env["mp.backend"].create(
            {"name": "Fnac demo", "backend_type": "fnac"}
        )
        darty = self.env["mp.backend"].create(
            {"name": "Darty demo", "backend_type": "fnac", "fnac_shop_kind": "darty"}
        )
        # the demo accounts are the only ones on the sandbox's shops
        self.backend.active = False
        environ = {"MPHUB_SANDBOX_FNAC_URL": self.sandbox.urls["fnac"]}
        with patch.dict(os.environ, environ):
            self.env["mp.demo"]._fnac_point_to_sandbox((fnac | darty).ids)
        self.assertEqual(fnac.fnac_shop_id, sandbox_shop("fnac")["shop_id"])
        self.assertEqual(darty.fnac_shop_id, sandbox_shop("darty")["shop_id"])
        self.assertEqual(fnac.fnac_partner_id, darty.fnac_partner_id)
        self.assertEqual(fnac.pricelist_id.currency_id.name, "EUR")
        for backend in fnac | darty:
            action = backend.action_test_connection()
            self.assertEqual(action["params"]["type"], "success", backend.name)
