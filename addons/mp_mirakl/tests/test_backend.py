from datetime import timedelta

import pytz

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import new_test_user

from .common import CARREFOUR_KEY, MiraklCommon


class TestBackend(MiraklCommon):
    def test_connection_button(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Carrefour sandbox shop", action["params"]["message"])
        self.backend.api_key = "wrong-key"
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            self.backend.action_test_connection()

    def test_profile_presets(self):
        codes = set(self.backend.import_state_ids.mapped("code"))
        self.assertEqual(
            codes,
            {
                "WAITING_ACCEPTANCE",
                "WAITING_DEBIT",
                "WAITING_DEBIT_PAYMENT",
                "SHIPPING",
            },
        )
        form_backend = self.env["mp.backend"].new(
            {"backend_type": "mirakl", "mirakl_operator": "leroymerlin"}
        )
        form_backend._onchange_mirakl_operator()
        self.assertEqual(form_backend.name, "Leroy Merlin")
        self.assertIn(
            "WAITING_ACCEPTANCE", form_backend.import_state_ids.mapped("code")
        )

    def test_fetch_carriers_maps_known_shipping_methods(self):
        product = self.env["product.product"].create({"name": "DPD", "type": "service"})
        dpd = self.env["delivery.carrier"].create(
            {"name": "DPD", "product_id": product.id}
        )
        with self.trap_jobs() as trap:
            self.backend.action_mirakl_fetch_carriers()
            self.run_jobs(trap)
        mapping = self.backend.carrier_mapping_ids.filtered(
            lambda m: m.carrier_id == dpd
        )
        self.assertEqual(mapping.marketplace_code, "DPD")

    def test_bad_credentials_fail_the_import(self):
        self.backend.api_key = "expired"
        with self.trap_jobs() as trap:
            run = self.backend._schedule_import_orders()
            with self.assertRaisesRegex(UserError, "refused the credentials"):
                self.run_jobs(trap)
        self.assertEqual(run.state, "running")
        self.assertFalse(self.backend.import_cursor)

    def test_failed_runs_alert_managers(self):
        manager = new_test_user(
            self.env,
            login="mp_alerted_manager",
            groups="mp_connector_base.group_mp_connector_base_manager",
        )
        self.backend.failure_alert_threshold = 3
        activity_type = self.env.ref(
            "mp_connector_base.mail_activity_type_backend_failure"
        )
        for attempt in range(4):
            run = self.backend._schedule_import_orders()
            job = self.env["queue.job"].search([("mp_run_id", "=", run.id)])
            self.assertEqual(len(job), 1)
            self.assertEqual(job.mp_backend_id, self.backend)
            job.write({"state": "failed", "exc_message": f"boom {attempt}"})
            self.assertEqual(run.state, "failed")
            self.assertEqual(run.message, f"boom {attempt}")
        self.assertEqual(self.backend.consecutive_failures, 4)
        self.assertEqual(self.backend.health_state, "error")
        activities = self.backend.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        self.assertIn(manager, activities.user_id)
        self.assertEqual(len(activities.filtered(lambda a: a.user_id == manager)), 1)
        # a good run resets the counter
        self.create_orders(1)
        self.import_orders()
        self.assertEqual(self.backend.consecutive_failures, 0)

    def test_dashboard_counts(self):
        self.create_orders(6, unknown_sku_share=0.5)
        self.import_orders()
        self.backend.invalidate_recordset()
        # every order placed today counts, the three in error too
        self.assertEqual(self.backend.order_today_count, 6)
        self.assertEqual(self.backend.order_error_count, 3)
        self.assertEqual(self.backend.health_state, "warning")
        # the lists keep their filters in the search bar, where the user
        # sees and removes them, not in a hidden domain
        for action, search_filter in (
            (self.backend.action_open_orders_today(), "search_default_filter_today"),
            (self.backend.action_open_errors(), "search_default_filter_error"),
        ):
            self.assertFalse(action.get("domain"))
            self.assertEqual(
                action["context"]["search_default_backend_id"], self.backend.id
            )
            self.assertTrue(action["context"][search_filter])

    def test_today_is_the_users_day(self):
        # whatever the hour in UTC, "today" starts at the user's midnight
        now = fields.Datetime.now()
        for tz in ("Pacific/Kiritimati", "Europe/Paris", "Pacific/Pago_Pago", "UTC"):
            start = self.backend.with_context(tz=tz)._start_of_today()
            self.assertLessEqual(start, now, tz)
            self.assertGreater(start + timedelta(hours=25), now, tz)
            local = pytz.utc.localize(start).astimezone(pytz.timezone(tz))
            self.assertEqual((local.hour, local.minute), (0, 0), tz)

    def test_secret_never_logged_nor_shown(self):
        self.create_orders(2)
        with self.assertLogs("mphub", level="DEBUG") as logs:
            self.import_orders()
            self.backend.action_test_connection()
        self.assertTrue(logs.output)
        self.assertFalse([line for line in logs.output if CARREFOUR_KEY in line])
        messages = self.env["mail.message"].search(
            [("model", "=", "mp.backend"), ("res_id", "=", self.backend.id)]
        )
        self.assertFalse([m for m in messages if CARREFOUR_KEY in (m.body or "")])
        self.assertFalse(
            messages.tracking_value_ids.filtered(lambda t: t.field_id.name == "api_key")
        )
        user = new_test_user(
            self.env,
            login="mp_plain_user",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        with self.assertRaises(AccessError):
            self.backend.with_user(user).read(["api_key"])
        self.assertTrue(self.backend.with_user(user).api_key_set)

    def test_client_errors_mask_the_key_in_messages(self):
        self.sandbox_admin("mirakl", "POST", "faults", {"rate_5xx": 1.0})
        try:
            with self.trap_jobs() as trap:
                self.backend._schedule_import_orders()
                stats = self.run_jobs(trap, rounds=3)
        finally:
            self.sandbox_admin("mirakl", "POST", "faults", {"rate_5xx": 0})
        self.assertEqual(stats["retried"], 3)
        events = self.env["mp.sync.event"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(events), 3)
        for text in events.mapped("message"):
            self.assertIn("HTTP 5", text)
            self.assertNotIn(CARREFOUR_KEY, text)

    def test_neutralize_forgets_secrets(self):
        for query in get_neutralization_queries(["mp_connector_base"]):
            self.env.cr.execute(query)
        self.backend.invalidate_recordset()
        self.assertFalse(self.backend.sudo().api_key)
        self.assertFalse(self.backend.active)

    def test_cron_does_not_pile_up_runs(self):
        runs = self.env["mp.sync.run"]
        domain = [
            ("backend_id", "=", self.backend.id),
            ("operation", "=", "import_orders"),
        ]
        self.env["mp.backend"]._cron_import_orders()
        first = runs.search(domain)
        self.assertEqual(len(first), 1)
        self.env["mp.backend"]._cron_import_orders()
        self.assertEqual(runs.search(domain), first, "its job is still pending")
        with self.assertRaisesRegex(UserError, "already running"):
            self.backend.action_import_orders()
        # a run whose job disappeared is closed as failed, and a new one starts
        self.env["queue.job"].search([("mp_run_id", "=", first.id)]).unlink()
        self.env["mp.backend"]._cron_import_orders()
        self.assertEqual(first.state, "failed")
        self.assertEqual(len(runs.search(domain)), 2)
