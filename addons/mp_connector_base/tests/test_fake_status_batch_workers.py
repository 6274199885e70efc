"""Two workers sending the batched acceptances of one account: each takes
the orders the other does not hold (``FOR UPDATE SKIP LOCKED``), none is
sent twice.

Row locks are only seen between transactions that see the rows: the
account and its orders are committed through a connection of their own
(and removed at the end), and each worker is another connection."""

import uuid
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect

from odoo.addons.mp_connector_base.services import status_batch
from odoo.addons.mp_connector_base.services.status_batch import StatusBatch
from odoo.addons.mp_connector_base.services.status_export import (
    StatusExport,
    batch_lock_key,
)

from .fake_common import FakeConnectorCase
from .fake_connector import FAKE_TYPE, MARKETS, FakeMarket


class TestFakeStatusBatchTwoWorkers(FakeConnectorCase):
    def worker(self):
        """The environment of another worker: a connection of its own."""
        cr = db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cr.close)
        self.addCleanup(cr.rollback)
        # a lock the test's own transaction would hold fails, never hangs
        cr.execute("SET lock_timeout = '10s'")
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def committed_account(self, count):
        """An account of type fake with ``count`` orders waiting for their
        batched acceptance, committed; its id and the orders' ids."""
        slug = uuid.uuid4().hex[:12]
        url = f"https://workers-{slug}.fake.invalid"
        market = FakeMarket(url)
        self.addCleanup(MARKETS.pop, url, None)
        market.status_batch_size = 25
        env = self.worker()
        backend = env["mp.backend"].create(
            {
                "name": f"Fake workers {slug}",
                "backend_type": FAKE_TYPE,
                "endpoint_url": url,
                "api_key": "fake-key",
            }
        )
        orders = []
        for _i in range(count):
            order_id = market.add_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
            orders.append(order_id)
            env["mp.order.binding"].create(
                {
                    "backend_id": backend.id,
                    "external_id": order_id,
                    "raw_payload": market.orders[order_id],
                    "state": "done",
                    "order_status": "waiting_acceptance",
                    "accept_state": "pending",
                    "accept_decisions": {f"{order_id}-1": True},
                }
            )
        env.cr.commit()
        self.addCleanup(self.remove_account, backend.id)
        return market, backend.id, orders

    def remove_account(self, backend_id):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(
                "DELETE FROM mp_order_binding WHERE backend_id = %s", [backend_id]
            )
            cr.execute(
                "DELETE FROM mp_backend WHERE id = %s RETURNING utm_source_id",
                [backend_id],
            )
            cr.execute("DELETE FROM utm_source WHERE id = %s", [cr.fetchone()[0]])

    def test_a_second_worker_skips_the_orders_the_first_one_holds(self):
        market, backend_id, orders = self.committed_account(30)
        # worker A took the first 25 and waits for the marketplace's answer
        env_a = self.worker()
        first = StatusBatch(env_a["mp.backend"].browse(backend_id), "accept")
        held = first.take(25).mapped("external_id")
        self.assertEqual(held, orders[:25])
        # worker B sends the 5 others, and only them
        env_b = self.worker()
        with self.trap_jobs():
            env_b["mp.backend"].browse(backend_id)._job_export_status_batch("accept")
            ((sent,),) = market.calls_of("accept_orders")
            self.assertEqual([order_id for order_id, _d in sent], orders[25:])
            # worker A goes on with its own: every order was sent once
            StatusBatch(env_a["mp.backend"].browse(backend_id), "accept").run()
        sent = [
            order_id
            for (call,) in market.calls_of("accept_orders")
            for order_id, _decisions in call
        ]
        self.assertEqual(len(market.calls_of("accept_orders")), 2)
        self.assertCountEqual(sent, orders)
        self.assertEqual(
            {market.orders[order_id]["state"] for order_id in orders}, {"TO_SHIP"}
        )
        bindings = env_b["mp.order.binding"].search([("backend_id", "=", backend_id)])
        accepted = bindings.filtered(lambda b: b.accept_state == "accepted")
        self.assertEqual(sorted(accepted.mapped("external_id")), sorted(orders[25:]))

    def test_a_batch_job_waits_for_the_transactions_queuing_exports(self):
        """A transaction keeping an export on a binding holds the account's
        batch lock until it ends: the job waits for it before it reads what
        waits, else its snapshot would miss that export while the queuing
        was merged into the job (the order left pending, no job queued)."""
        market, backend_id, orders = self.committed_account(1)
        queuer = self.worker()
        with self.trap_jobs():
            # another order of the account gets its acceptance kept
            binding = queuer["mp.order.binding"].search(
                [("backend_id", "=", backend_id)]
            )
            StatusExport(binding)._queue_batched("accept", binding.accept_decisions)
            env_job = self.worker()
            batch = StatusBatch(env_job["mp.backend"].browse(backend_id), "accept")
            self.assertFalse(batch.wait_for_queuers(timeout=0.3))
            # the job gives way to the next one and sends nothing meanwhile
            with patch.object(status_batch, "QUEUERS_TIMEOUT", 0.3):
                result = batch.run()
            self.assertIn("still being queued", result)
            self.assertFalse(market.calls_of("accept_orders"))
            # the queuing transaction ends: the job goes on and sends
            queuer.cr.rollback()
            self.assertTrue(batch.wait_for_queuers(timeout=5))
            batch.run()
        ((sent,),) = market.calls_of("accept_orders")
        self.assertEqual([order_id for order_id, _d in sent], orders)
        # the lock of another account or action is not this one
        self.assertNotEqual(
            batch_lock_key(env_job["mp.backend"].browse(backend_id), "accept"),
            batch_lock_key(env_job["mp.backend"].browse(backend_id), "ship"),
        )
