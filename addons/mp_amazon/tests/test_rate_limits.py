import threading
import uuid
from contextlib import closing

from mphub.amazon.throttle import SharedBucket, Throttle
from mphub.errors import ThrottledError

from odoo import sql_db
from odoo.tests import tagged

from .common import AmazonCommon


@tagged("post_install", "-at_install")
class TestSharedRateLimits(AmazonCommon):
    """Amazon's quota is the account's, not a process's: every worker takes
    from one bucket kept in the database. Each store below opens connections
    of its own, as two Odoo processes would."""

    def setUp(self):
        super().setUp()
        self.key = f"test-{uuid.uuid4().hex}"
        self.addCleanup(self._forget_buckets)

    def _forget_buckets(self):
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:  # commits
            cr.execute("DELETE FROM mp_rate_bucket WHERE key = %s", [self.key])

    def _row(self, operation):
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as cr:
            cr.execute(
                "SELECT rate, burst, tokens FROM mp_rate_bucket "
                "WHERE key = %s AND operation = %s",
                [self.key, operation],
            )
            return cr.fetchone()

    def _throttle(self, rates):
        store = self.env["mp.rate.bucket"]._rate_store()
        return Throttle(rates=rates, shared=(store, self.key), sleep=lambda s: None)

    def test_two_processes_share_one_quota(self):
        rates = {"getOrder": (0.001, 5)}  # a token every 1,000 s after the burst
        first, second = self._throttle(rates), self._throttle(rates)
        for _ in range(3):
            first.acquire("getOrder", max_wait=1)
        for _ in range(2):
            second.acquire("getOrder", max_wait=1)
        # the burst is spent, whoever asks
        for throttle in (first, second):
            with self.assertRaises(ThrottledError) as err:
                throttle.acquire("getOrder", max_wait=1)
            self.assertGreater(err.exception.retry_after, 900)
        rate, burst, tokens = self._row("getOrder")
        self.assertEqual((rate, burst), (0.001, 5))
        self.assertLess(tokens, 0.01)  # refused calls gave their token back

    def test_a_429_and_a_larger_plan_are_seen_by_every_process(self):
        rates = {"getFeed": (0.001, 3)}
        first, second = self._throttle(rates), self._throttle(rates)
        first.acquire("getFeed", max_wait=1)
        second.bucket("getFeed").drain()  # Amazon answered 429 to the second
        self.assertGreater(first.bucket("getFeed").wait_time(), 900)
        # Amazon's answer to the first announces 50 calls a second
        first.bucket("getFeed").set_rate("50")
        self.assertLess(second.bucket("getFeed").wait_time(), 0.05)
        second.acquire("getFeed", max_wait=1)
        rate, burst, _tokens = self._row("getFeed")
        self.assertEqual((rate, burst), (50.0, 100))

    def test_concurrent_calls_take_exactly_the_burst(self):
        store = self.env["mp.rate.bucket"]._rate_store()
        waits, lock = [], threading.Lock()

        def worker():
            bucket = SharedBucket(store, self.key, "confirmShipment", 0.0001, 25)
            for _ in range(10):
                wait = bucket.reserve()
                with lock:
                    waits.append(wait)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(waits), 60)
        self.assertEqual(sum(1 for wait in waits if wait == 0), 25)
        # each call past the burst has a slot of its own, one token apart
        slots = sorted(round(wait * 0.0001) for wait in waits if wait > 0)
        self.assertEqual(slots, list(range(1, 36)))
        self.assertAlmostEqual(self._row("confirmShipment")[2], -35, delta=0.01)

    def test_the_account_client_uses_the_shared_buckets(self):
        client = self.backend._get_client()
        self.assertIsInstance(client.throttle.bucket("getOrders"), SharedBucket)
        client.test_connection()
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as cr:
            cr.execute(
                "SELECT count(*) FROM mp_rate_bucket WHERE operation = %s",
                ["searchListingsItems"],
            )
            self.assertGreaterEqual(cr.fetchone()[0], 1)
