import os
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mp_cdiscount.models.mp_backend import (
    DEFAULT_IMPORT_STATES,
    REST_API_URL,
    REST_AUTH_URL,
    SOAP_URL,
    STS_URL,
)

from .common import REST_SELLER, SOAP_PASSWORD, SOAP_SELLER, CdiscountCommon


class TestCdiscountAccount(CdiscountCommon):
    def test_defaults_of_a_new_account(self):
        rest = self.env["mp.backend"].create(
            {"name": "Cdiscount new", "backend_type": "cdiscount"}
        )
        self.assertEqual(rest.cdiscount_api, "rest")
        self.assertEqual(rest.endpoint_url, REST_API_URL)
        self.assertEqual(rest.cdiscount_auth_url, REST_AUTH_URL)
        self.assertEqual(rest.cdiscount_sales_channel, "CDISFR")
        self.assertEqual(
            sorted(rest.import_state_ids.mapped("code")),
            sorted(DEFAULT_IMPORT_STATES["rest"]),
        )
        self.assertFalse(rest.cdiscount_credentials_set)
        soap = self.env["mp.backend"].create(
            {
                "name": "Cdiscount old",
                "backend_type": "cdiscount",
                "cdiscount_api": "soap",
            }
        )
        self.assertEqual(soap.cdiscount_soap_url, SOAP_URL)
        self.assertEqual(soap.cdiscount_sts_url, STS_URL)
        self.assertEqual(
            sorted(soap.import_state_ids.mapped("code")),
            sorted(DEFAULT_IMPORT_STATES["soap"]),
        )

    def test_every_default_state_exists_for_both_generations(self):
        states = self.env["mp.marketplace.state"].search(
            [("backend_type", "=", "cdiscount")]
        )
        codes = set(states.mapped("code"))
        for generation, defaults in DEFAULT_IMPORT_STATES.items():
            self.assertLessEqual(set(defaults), codes, generation)
        # fulfilment orders can be imported already shipped, on both APIs
        self.assertEqual(
            states.filtered(lambda s: s.code == "FBC:Shipped").status, "shipped"
        )
        self.assertEqual(
            states.filtered(lambda s: s.code == "WaitingForSellerAcceptation").status,
            "waiting_acceptance",
        )

    def test_switching_generation_fills_its_urls_and_states(self):
        backend = self.env["mp.backend"].new(
            {"name": "Cdiscount switch", "backend_type": "cdiscount"}
        )
        backend._onchange_cdiscount_api()
        self.assertEqual(backend.endpoint_url, REST_API_URL)
        rest_states = set(backend.import_state_ids.mapped("code"))
        self.assertEqual(rest_states, set(DEFAULT_IMPORT_STATES["rest"]))
        backend.cdiscount_api = "soap"
        backend.cdiscount_soap_url = False
        backend._onchange_cdiscount_api()
        self.assertEqual(backend.cdiscount_soap_url, SOAP_URL)
        # the SOAP states join the REST ones: orders of both stay importable
        self.assertEqual(
            set(backend.import_state_ids.mapped("code")),
            rest_states | set(DEFAULT_IMPORT_STATES["soap"]),
        )
        # an account choosing its own states keeps them
        backend.import_state_ids = self.backend._cdiscount_states(["InPreparation"])
        backend.cdiscount_api = "rest"
        backend._onchange_cdiscount_api()
        self.assertEqual(backend.import_state_ids.mapped("code"), ["InPreparation"])

    def test_settings_reach_the_client(self):
        settings = self.backend._client_settings()
        self.assertEqual(settings["cdiscount_api"], "rest")
        self.assertEqual(settings["cdiscount_seller_id"], REST_SELLER)
        self.assertEqual(
            settings["cdiscount_client_secret"], "sandbox-cdiscount-secret"
        )
        self.assertTrue(
            settings["endpoint_url"].startswith(self.sandbox.urls["cdiscount"])
        )
        # the seller id is what the REST API checks the token against
        self.backend.cdiscount_seller_id = SOAP_SELLER
        with self.assertRaises(UserError) as err:
            self.backend.action_test_connection()
        self.assertIn("seller ID", str(err.exception))
        self.backend.cdiscount_seller_id = REST_SELLER
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.backend._get_client().generation, "rest")
        # a SOAP account's client speaks SOAP, with its own URLs and login
        soap = self._create_backend("Cdiscount SOAP settings", "soap")
        settings = soap._client_settings()
        self.assertEqual(settings["cdiscount_api"], "soap")
        self.assertEqual(settings["cdiscount_password"], SOAP_PASSWORD)
        self.assertTrue(
            settings["cdiscount_soap_url"].startswith(self.sandbox.urls["cdiscount"])
        )
        self.assertEqual(soap._get_client().generation, "soap")

    def test_connection_on_both_generations(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        soap = self._create_backend("Cdiscount SOAP", "soap")
        self.assertEqual(
            soap._client_settings()["cdiscount_login"], "sandbox-cdiscount2-api"
        )
        action = soap.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        # wrong SOAP credentials: the SOAP hint, never the password
        soap.sudo().cdiscount_password = "wrong-password-123"
        with self.assertRaises(UserError) as err:
            soap.action_test_connection()
        self.assertIn("API login and password", str(err.exception))
        self.assertNotIn("wrong-password-123", str(err.exception))

    def test_a_closed_soap_api_says_to_switch(self):
        soap = self._create_backend("Cdiscount SOAP closed", "soap")
        self.cdiscount.set_soap_closed(True)
        try:
            with self.assertRaises(UserError) as err:
                soap.action_test_connection()
        finally:
            self.cdiscount.set_soap_closed(False)
        self.assertIn("Octopia REST", str(err.exception))

    def test_the_form_warns_about_the_soap_api(self):
        arch = self.env["mp.backend"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        alerts = etree.fromstring(arch).xpath(
            "//div[contains(@class, 'alert-warning')]"
            "[contains(., 'SOAP Marketplace API')]"
        )
        self.assertEqual(len(alerts), 1)
        condition = alerts[0].get("invisible")
        for backend_type, api, shown in (
            ("cdiscount", "soap", True),
            ("cdiscount", "rest", False),
            ("amazon", "soap", False),
        ):
            hidden = safe_eval(
                condition, {"backend_type": backend_type, "cdiscount_api": api}
            )
            self.assertEqual(not hidden, shown, (backend_type, api))

    def test_condition_labels(self):
        self.assertEqual(self.backend._offer_condition_label("New"), "New")
        self.assertEqual(
            self.backend._offer_condition_label("VeryGoodState"), "Used - Very Good"
        )
        self.assertEqual(self.backend._offer_condition_label("11"), "11")

    def test_carriers_are_fetched_and_mapped(self):
        carriers = self.backend._get_client().list_carriers()
        self.assertTrue(carriers)
        first = carriers[0]
        product = self.env["product.product"].create(
            {"name": first["label"], "type": "service"}
        )
        carrier = self.env["delivery.carrier"].create(
            {"name": first["label"], "product_id": product.id}
        )
        with self.trap_jobs() as trap:
            self.backend.action_cdiscount_fetch_carriers()
            self.run_jobs(trap)
        # the shipping method named after the carrier (the demo data may have
        # one of that name before this one) is mapped to its code
        mapping = self.backend.carrier_mapping_ids.filtered(
            lambda m: m.marketplace_code == first["code"]
        )
        self.assertEqual(len(mapping), 1)
        self.assertEqual(mapping.carrier_id.name.lower(), carrier.name.lower())
        # the others are told in the chatter, the action refuses other accounts
        self.assertIn(
            "without a matching shipping method", self.backend.message_ids[0].body
        )
        with self.assertRaises(UserError):
            self.env["mp.backend"].action_cdiscount_fetch_carriers()

    def test_demo_accounts_reach_the_sandbox(self):
        rest = self.env["mp.backend"].create(
            {"name": "Cdiscount demo", "backend_type": "cdiscount"}
        )
        soap = self.env["mp.backend"].create(
            {
                "name": "Cdiscount SOAP demo",
                "backend_type": "cdiscount",
                "cdiscount_api": "soap",
                "cdiscount_seller_id": SOAP_SELLER,
            }
        )
        environ = {"MPHUB_SANDBOX_CDISCOUNT_URL": self.sandbox.urls["cdiscount"]}
        with patch.dict(os.environ, environ):
            self.env["mp.demo"]._cdiscount_point_to_sandbox((rest | soap).ids)
        self.assertEqual(rest.cdiscount_seller_id, REST_SELLER)
        self.assertEqual(soap.sudo().cdiscount_login, "sandbox-cdiscount2-api")
        self.assertEqual(rest.pricelist_id.currency_id.name, "EUR")
        for backend in rest | soap:
            action = backend.action_test_connection()
            self.assertEqual(action["params"]["type"], "success", backend.name)
