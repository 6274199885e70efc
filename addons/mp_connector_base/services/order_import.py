"""The order import run of an account: its window, its pages of raw
orders stored (``mp.order.binding._store_raw_orders``) and queued for
processing, its cursor moved when the last page is stored.

The window has no upper bound but the marketplace's publication delay
(``import_lag``): pages are sorted by creation date, so that updates during
paging can only add orders (seen twice, harmless), never shift one out of
the window. The cursor moves to the run's start time, never backwards
whatever the order in which concurrent runs finish.
"""

from datetime import timedelta, timezone

from odoo import fields

from .paged_runs import Page, PageReader


class OrderPages(PageReader):
    """Reads the pages of orders of an import run."""

    operation = "import_orders"
    job_method = "_job_import_orders_page"
    preset = "import_page"
    counters = {
        "count_new": "new",
        "count_updated": "updated",
        "count_unchanged": "unchanged",
        "count_error": "error",
    }

    def run_values(self):
        backend = self.backend
        now = fields.Datetime.now() - backend._order_import_lag()
        start = backend.import_cursor or backend.import_from or now - timedelta(days=7)
        if backend.import_cursor:
            start -= timedelta(minutes=max(0, backend.import_overlap_minutes))
        return {"window_start": start, "cursor_candidate": now}

    def describe(self, env, number):
        return env._(
            "%(backend)s: import orders, page %(page)s",
            backend=self.backend.name,
            page=number,
        )

    def read_page(self, run, page):
        """Fetch one page of orders, store their payloads, queue their
        processing. One job at a time stores the account's orders."""
        backend = self.backend
        backend._lock_order_store()
        client = backend._get_client()
        with backend._map_errors(run=run, what=self.env._("Order import")):
            until = None
            if backend._order_import_lag():
                until = run.cursor_candidate.replace(tzinfo=timezone.utc)
            result = client.list_orders(
                run.window_start.replace(tzinfo=timezone.utc),
                page=page,
                updated_before=until,
            )
        stats = self.env["mp.order.binding"]._store_raw_orders(backend, result.orders)
        backend._enqueue_processing(stats["to_process"], run)
        return Page(
            fetched=len(result.orders),
            stats=stats,
            total=result.total,
            next_page=result.next_page,
            message=self.env._(
                "%(count)s orders fetched (%(new)s new, %(updated)s updated).",
                count=len(result.orders),
                new=stats["new"],
                updated=stats["updated"],
            ),
        )

    def finish(self, run):
        """Move the cursor to the run's start (never backwards)."""
        backend = self.backend
        cursor = run.cursor_candidate
        if backend.import_cursor and backend.import_cursor > cursor:
            cursor = backend.import_cursor  # a later run already went further
        backend.write(
            {
                "import_cursor": cursor,
                "last_import_date": fields.Datetime.now(),
                "consecutive_failures": 0,
            }
        )
