"""The base's single mechanisms, as the Mirakl connector uses them: job
presets, the carrier-matching rule, the advisory locks and the demo set-up
on the sandbox."""

import os
from unittest.mock import patch

from odoo.addons.mp_connector_base.services.locks import lock_key, try_xact_lock
from odoo.addons.queue_job.exception import RetryableJobError

from .common import BOULANGER_KEY, MiraklCommon


class TestPlatform(MiraklCommon):
    def _carrier(self, name, company=None):
        product = self.env["product.product"].create({"name": name, "type": "service"})
        return self.env["delivery.carrier"].create(
            {
                "name": name,
                "product_id": product.id,
                "company_id": company.id if company else False,
            }
        )

    def test_jobs_take_their_preset(self):
        with self.trap_jobs() as trap:
            self.backend.action_mirakl_fetch_carriers()
            run = self.backend._schedule_import_orders()
            jobs = {job.method_name: job for job in trap.enqueued_jobs}
        fetch = jobs["_job_fetch_carriers"]
        self.assertEqual(fetch.channel, "root.marketplace.import")
        self.assertEqual((fetch.priority, fetch.max_retries), (20, 10))
        page = jobs["_job_import_orders_page"]
        self.assertEqual(page.channel, "root.marketplace.import")
        self.assertEqual((page.priority, page.max_retries), (5, 15))
        self.assertEqual(run.state, "running")
        with self.assertRaises(TypeError):
            self.backend._enqueue(self.backend, "_job_fetch_carriers")

    def test_carriers_match_by_name_in_the_company(self):
        other_company = self.env["res.company"].create({"name": "Other company"})
        # names no demo carrier has (the demo maps Colissimo already)
        colissimo = self._carrier("parcelfox")
        express = self._carrier("Parcelfox Express")
        self._carrier("Parcelfox", other_company)
        mappings = self.env["mp.carrier.mapping"]
        found, unmatched = mappings._match_carriers(
            self.backend, [("COLI", ["Parcelfox"]), ("NOPE", ["Nowhere", ""])]
        )
        # exact (case-insensitive) and of the account's company only
        self.assertEqual(found.carrier_id, colissimo)
        self.assertEqual(found.marketplace_code, "COLI")
        self.assertEqual(unmatched, ["NOPE"])
        # containing the name, every one not mapped yet
        found, unmatched = mappings._match_carriers(
            self.backend, [("COLI2", ["parcelfox"])], exact=False, first_only=False
        )
        self.assertEqual(found.carrier_id, express)
        self.assertEqual(unmatched, [])
        self.assertEqual(
            self.backend.carrier_mapping_ids.filtered(
                lambda m: m.carrier_id in colissimo | express
            ).mapped("marketplace_code"),
            ["COLI", "COLI2"],
        )

    def test_store_lock_held_elsewhere_retries_later(self):
        self.assertNotEqual(
            lock_key(self.backend.id, "store-orders"),
            lock_key(self.backend.id + 1, "store-orders"),
        )
        with self.env.registry.cursor() as other:
            self.assertTrue(try_xact_lock(other, self.backend.id, "store-orders"))
            self.assertFalse(self.backend._try_advisory_lock("store-orders"))
            # another account's lock is free
            self.assertTrue(try_xact_lock(other, self.backend.id + 1, "store-orders"))
            with self.assertRaises(RetryableJobError):
                self.backend._lock_order_store()
        # released with the other transaction
        self.assertTrue(self.backend._try_advisory_lock("store-orders"))

    def test_demo_accounts_reach_the_sandbox_as_their_shop(self):
        backend = self.env["mp.backend"].create(
            {"name": "Boulanger demo", "backend_type": "mirakl"}
        )
        backend.mirakl_operator = "boulanger"
        self._carrier("Chronopost")
        environ = {"MPHUB_SANDBOX_MIRAKL_URL": self.sandbox.urls["mirakl"]}
        with patch.dict(os.environ, environ):
            self.env["mp.demo"]._mirakl_point_to_sandbox(backend.ids)
        self.assertEqual(backend.endpoint_url, self.sandbox.urls["mirakl"])
        self.assertEqual(backend.sudo().api_key, BOULANGER_KEY)
        self.assertEqual(backend.pricelist_id.currency_id.name, "EUR")
        self.assertIn("SHIPPING", backend.import_state_ids.mapped("code"))
        self.assertIn(
            "CHRONOPOST", backend.carrier_mapping_ids.mapped("marketplace_code")
        )
        action = backend.action_test_connection()
        self.assertIn("Boulanger sandbox shop", action["params"]["message"])
