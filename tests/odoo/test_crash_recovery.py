"""Crash recovery of the order import with a real Odoo server."""

import time

from .conftest import OdooServer
from .test_order_import_acceptance import (
    N_ORDERS,
    assert_end_state,
    make_backend,
    sandbox_truth,
    wait_for_jobs,
)


def test_a_server_killed_mid_import_loses_nothing(odoo_env, sandbox):
    """SIGKILL the server while it imports; after a restart and queue_job's
    requeueing of the interrupted jobs, the end state is exact."""
    count = min(N_ORDERS, 300)
    order_ids = sandbox.emulators["mirakl"].create_orders(
        2003, count, unknown_sku_share=0.1, malformed_share=0.02
    )
    truth = sandbox_truth(sandbox, order_ids)
    with odoo_env() as env:
        backend_id = make_backend(env, sandbox, "Crash", "sandbox-leroymerlin-key")
    server = OdooServer().start()
    try:
        with odoo_env() as env:
            env["mp.backend"].browse(backend_id)._schedule_import_orders()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with odoo_env() as env:
                done = env["mp.order.binding"].search_count(
                    [("backend_id", "=", backend_id), ("state", "=", "done")]
                )
            if done >= count // 4:
                break
            time.sleep(0.2)
        server.process.kill()  # no goodbye: transactions in flight are lost
        server.process.wait()
    finally:
        server.stop()
    with odoo_env() as env:
        interrupted = env["queue.job"].search_count(
            [
                ("mp_backend_id", "=", backend_id),
                ("state", "in", ("enqueued", "started")),
            ]
        )
    server = OdooServer().start()
    try:
        with odoo_env() as env:
            # what queue_job's "Jobs Garbage Collector" cron does after its delay
            env["queue.job"].requeue_stuck_jobs(enqueued_delta=1e-6, started_delta=1e-6)
        counts = wait_for_jobs(odoo_env, backend_id)
        assert not counts.get("failed"), counts
        with odoo_env() as env:
            assert_end_state(env, backend_id, truth)
        assert not server.errors()
    finally:
        server.stop()
    print(f"\nkilled with {interrupted} job(s) in flight, end state exact")
