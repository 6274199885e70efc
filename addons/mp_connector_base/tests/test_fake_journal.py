"""The account, its journal and its health, and two workers at once,
through the fake connector."""

from datetime import timedelta

from mphub.errors import AuthError, ThrottledError

from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import new_test_user

from ..services.locks import lock_key
from .fake_common import FakeConnectorCase


class TestFakeAccount(FakeConnectorCase):
    def test_the_account_asks_its_client_what_the_marketplace_is_like(self):
        backend = self.backend
        self.assertTrue(backend._has_capability("accept"))
        self.assertFalse(backend._ships_each_delivery())
        self.assertEqual(backend._order_import_lag(), timedelta(0))
        self.market.capabilities = frozenset({"ship"})
        self.market.ships_per_delivery = True
        self.market.import_lag = timedelta(minutes=2)
        self.assertFalse(backend._has_capability("accept"))
        self.assertTrue(backend._ships_each_delivery())
        self.assertEqual(backend._order_import_lag(), timedelta(minutes=2))

    def test_the_connection_button_says_who_answered(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Fake test shop", action["params"]["message"])
        self.market.fail("test_connection", AuthError("401 Unauthorized", status=401))
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            self.backend.action_test_connection()


class TestFakeJournal(FakeConnectorCase):
    def test_runs_count_what_they_did_and_events_say_what_went_wrong(self):
        self.market.page_size = 2
        self.market.add_order(("FK-RED", 1))
        self.market.add_order(("FK-UNKNOWN", 1))
        self.market.add_order(("FK-BLUE", 1), state="CANCELLED")
        self.market.fail("list_orders", ThrottledError("429 Too Many Requests"))
        run = self.import_orders()
        self.assertEqual(run.operation, "import_orders")
        self.assertEqual(run.state, "done")
        self.assertEqual((run.count_fetched, run.count_new, run.page_count), (3, 3, 2))
        self.assertTrue(run.date_end)
        self.assertEqual(run.count_retry, 1)
        processing = run.child_ids
        self.assertEqual(set(processing.mapped("operation")), {"process_orders"})
        self.assertEqual(sum(processing.mapped("count_done")), 1)
        self.assertEqual(sum(processing.mapped("count_skipped")), 1)
        self.assertEqual(sum(processing.mapped("count_error")), 1)
        self.assertIn("done_errors", processing.mapped("result"))
        retry = self.events("retry")
        self.assertEqual(retry.level, "warning")
        self.assertIn("throttled", retry.message)
        error = self.events("data_error")
        self.assertEqual(error.order_binding_id.missing_skus, "FK-UNKNOWN")
        self.assertEqual(error.level, "error")
        # the account's health says what needs a person
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_error_count, 1)
        self.assertEqual(self.backend.health_state, "warning")
        self.assertEqual(self.backend.health_reason, "1 order in error")

    def give_up(self, message):
        """An import run whose job queue_job gives up on (its runner marks
        it failed after the last retry)."""
        run = self.backend._schedule_import_orders()
        job = self.env["queue.job"].search([("mp_run_id", "=", run.id)])
        self.assertEqual(job.mp_backend_id, self.backend)
        job.write({"state": "failed", "exc_message": message})
        return run

    def test_a_run_given_up_on_fails_and_the_account_says_so(self):
        managers = "mp_connector_base.group_mp_connector_base_manager"
        manager = new_test_user(self.env, "fake_market_manager", groups=managers)
        self.backend.write({"failure_alert_threshold": 2})
        self.market.fail("list_orders", AuthError("401 Unauthorized", status=401))
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            self.import_orders()
        # in a job, the error fails it: nothing stored, the cursor stays
        self.assertFalse(self.bindings())
        self.assertFalse(self.backend.import_cursor)
        # queue_job gives up on the job: its run fails, the account counts it
        runs = [self.give_up(f"Unauthorized {attempt}") for attempt in range(2)]
        self.assertEqual([run.result for run in runs], ["failed", "failed"])
        self.assertEqual(self.backend.consecutive_failures, 2)
        self.assertEqual(
            self.events("failure").mapped("message"),
            ["Unauthorized 1", "Unauthorized 0"],
        )
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.health_state, "error")
        self.assertIn("Unauthorized 1", self.backend.health_reason)
        alert = self.env.ref("mp_connector_base.mail_activity_type_backend_failure")
        alerts = self.backend.activity_ids.filtered(
            lambda a: a.activity_type_id == alert
        )
        self.assertIn(manager, alerts.user_id)
        # a good run puts the account back on its feet
        self.market.add_order(("FK-RED", 1))
        self.import_orders()
        self.assertEqual(self.backend.consecutive_failures, 0)
        self.backend.invalidate_recordset()
        self.assertNotIn("import failed", self.backend.health_reason)
        self.assertIn("2 failed jobs", self.backend.health_reason)

    def test_a_second_import_waits_for_the_first(self):
        run = self.backend._schedule_import_orders()  # its job waits
        with self.assertRaisesRegex(UserError, "already running"):
            self.backend.action_import_orders()
        # a run whose job is gone is closed as failed, and a new one starts
        self.env["queue.job"].search([("mp_run_id", "=", run.id)]).unlink()
        self.backend.action_import_orders()
        self.assertEqual(run.state, "failed")
        runs = self.env["mp.sync.run"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(runs), 2)
        self.assertEqual((runs - run).state, "running")


class TestFakeTwoWorkers(FakeConnectorCase):
    """Another worker holds the lock the base takes: a second database
    connection, which sees none of the test's data but shares PostgreSQL's
    advisory locks with it."""

    def other_worker_takes(self, *parts):
        cr = db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cr.close)
        self.addCleanup(cr.rollback)
        cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [lock_key(self.backend.id, *parts)]
        )
        self.assertTrue(cr.fetchone()[0], "the other worker holds the lock")
        return cr

    def test_a_page_stored_by_another_worker_waits_and_runs_once(self):
        self.market.add_order(("FK-RED", 1))
        self.market.add_order(("FK-BLUE", 1))
        other = self.other_worker_takes("store-orders")
        with self.trap_jobs() as trap:
            run = self.backend._schedule_import_orders()
            stats = self.run_jobs(trap, rounds=3)
            self.assertEqual(stats["retried"], 3)
            self.assertEqual(stats["performed"], 0)
            self.assertFalse(self.bindings())
            self.assertFalse(self.market.calls_of("list_orders"))
            other.rollback()  # the other worker commits
            stats = self.run_jobs(trap)
        self.assertEqual(stats["retried"], 0)
        self.assertEqual(len(self.market.calls_of("list_orders")), 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.page_count, 1)
        self.assertEqual(len(self.bindings()), 2)
        self.assertEqual(set(self.bindings().mapped("state")), {"done"})

    def test_an_export_waits_for_the_one_running(self):
        self.market.add_listing("FK-RED", quantity=1, price="12.00")
        other = self.other_worker_takes("export-offers")
        with self.trap_jobs() as trap:
            self.backend._schedule_listing_sync("import")
            stats = self.run_jobs(trap, rounds=3)
            self.assertEqual(len(self.offers()), 1)
            self.assertGreaterEqual(stats["retried"], 1)
            self.assertFalse(self.market.calls_of("push_stock"))
            other.rollback()
            self.run_jobs(trap)
        self.assertEqual(len(self.market.calls_of("push_stock")), 1)
        self.assertEqual(self.market.listings["FK-RED"]["quantity"], 20)
        self.assertEqual(self.offers().stock_state, "confirmed")

    def test_an_order_whose_buyer_another_worker_creates_waits(self):
        busy = self.market.add_order(("FK-RED", 1), buyer_id="B-BUSY")
        free = self.market.add_order(("FK-BLUE", 1), buyer_id="B-FREE")
        other = self.other_worker_takes("buyer", "B-BUSY")
        with self.trap_jobs() as trap:
            self.backend._schedule_import_orders()
            self.run_jobs(trap, rounds=4)
            # the rest of the batch goes on; the busy order waits, not in error
            self.assertEqual(self.binding(free).state, "done")
            self.assertEqual(self.binding(busy).state, "new")
            self.assertFalse(self.binding(busy).error_message)
            other.rollback()
            self.run_jobs(trap)
        binding = self.binding(busy)
        self.assertEqual(binding.state, "done")
        self.assertEqual(
            self.env["sale.order"].search_count([("mp_external_id", "=", busy)]), 1
        )
        self.assertEqual(
            self.env["mp.partner.binding"].search_count(
                [("backend_id", "=", self.backend.id), ("external_id", "=", "B-BUSY")]
            ),
            1,
        )
