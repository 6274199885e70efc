"""The stock and price export of an account: marked offers, their computed
values, the differences with the last push, sent in the marketplace's
batches and recorded as ``mp.offer.push`` with their offers pending."""

import json
from decimal import Decimal

from mphub.offers import OfferRow, PriceRow, StockRow

from odoo import fields
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from .locks import try_xact_lock
from .offer_values import CENT, SENT_STATES


class OfferExport:
    """One export of the marked offers of one account (``backend``)."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    def run(self):
        """Push the quantities and prices of the marked offers that changed;
        returns what the job says it did.

        One export at a time per account; the marks are taken in this
        transaction, so that a failure gives them back.
        """
        backend = self.backend
        if not try_xact_lock(self.env.cr, backend.id, "export-offers"):
            raise RetryableJobError(
                self.env._("Another export of this account is running."),
                seconds=max(2, backend.export_delay),
                ignore_retry=True,
            )
        taken = self.env["mp.offer.dirty"]._take(backend)
        if not taken:
            return self.env._("Nothing to export.")
        values = backend._compute_offer_values(list(taken))
        forced = {offer_id for offer_id, force in taken.items() if force}
        stock, prices = backend._diff_offer_values(values, forced)
        if not stock and not prices:
            return self.env._("%s offer(s) checked, nothing changed.", len(taken))
        run = self.env["mp.sync.run"].create(
            {
                "backend_id": backend.id,
                "operation": "export_offers",
                "count_fetched": len(taken),
            }
        )
        pushes = self.push(run, stock, prices, values)
        changed = len(set(stock) | set(prices))
        # the stock and price pushes of a shared batch count once
        batches = {p.external_id or p.batch_skus or str(p.id) for p in pushes}
        run.write(
            {
                "count_done": changed,
                "count_unchanged": len(taken) - changed,
                "message": self.env._(
                    "%(stock)s quantities and %(prices)s prices pushed in "
                    "%(batches)s batch(es).",
                    stock=len(stock),
                    prices=len(prices),
                    batches=len(batches),
                ),
            }
        )
        run._close("done")
        backend.last_export_date = fields.Datetime.now()
        return run.message

    def push(self, run, stock, prices, values):
        """Send the ``stock`` and ``prices`` changes ({offer id: value}) of
        ``values`` (computed offers); returns the pushes recorded."""
        client = self.backend._get_client()
        together = (stock and prices) or client.complete_offer_rows
        if together and client.pushes_both:
            return self._push_together(client, run, stock, prices, values)
        pushes = self.env["mp.offer.push"]
        for kind, changes in (("stock", stock), ("price", prices)):
            if changes:
                pushes |= self._push_kind(client, run, kind, changes, values)
        return pushes

    def _push_kind(self, client, run, kind, changes, values):
        """Send ``changes`` (offer id -> value) of ``kind`` in batches."""
        pushes = self.env["mp.offer.push"]
        if kind == "stock":
            make_row, send = StockRow, client.push_stock
            what = self.env._("Stock export")
        else:
            make_row, send = PriceRow, client.push_prices
            what = self.env._("Price export")
        for chunk in _chunks(sorted(changes), client.max_push_rows):
            rows = [make_row(values[i]["sku"], changes[i]) for i in chunk]
            # the run is not committed yet: a retry event must not point to it
            with self.backend._map_errors(what=what):
                batch_id = send(rows)
            push = self._record(run, kind, batch_id, chunk, changes, values)
            pushes |= push._follow_batch(batch_id)
        return pushes

    def _push_together(self, client, run, stock, prices, values):
        """Send quantities and prices in the same batches, one message per
        offer (``client.pushes_both``); each batch is recorded as a stock
        push and a price push sharing its marketplace id, followed once."""
        pushes = self.env["mp.offer.push"]
        for chunk in _chunks(sorted(set(stock) | set(prices)), client.max_push_rows):
            rows = [self._offer_row(client, i, stock, prices, values) for i in chunk]
            with self.backend._map_errors(what=self.env._("Stock and price export")):
                batch_id = client.push_offers(rows)
            order = json.dumps([row.sku for row in rows])
            group = self.env["mp.offer.push"]
            for kind, changes in (("stock", stock), ("price", prices)):
                kind_ids = [i for i in chunk if i in changes]
                if kind_ids:
                    group |= self._record(
                        run, kind, batch_id, kind_ids, changes, values, order
                    )
            pushes |= group._follow_batch(batch_id)
        return pushes

    def _offer_row(self, client, offer_id, stock, prices, values):
        """The ``OfferRow`` of one offer: what changed of it, None for the
        rest; for ``client.complete_offer_rows``, the unchanged values too,
        as the marketplace shows them (the last sent, else the computed
        value of an exported kind)."""
        row = values[offer_id]
        quantity, price = stock.get(offer_id), prices.get(offer_id)
        if client.complete_offer_rows:
            backend = self.backend
            if quantity is None:
                if row["stock_state"] in SENT_STATES:
                    quantity = row["sent_quantity"]
                elif backend.export_stock:
                    quantity = row["quantity"]
            if price is None:
                if row["price_state"] in SENT_STATES:
                    price = Decimal(str(row["sent_price"])).quantize(CENT)
                elif backend.export_price:
                    price = row["price"]
        return OfferRow(row["sku"], quantity=quantity, price=price, ean=row["ean"])

    def _record(self, run, kind, batch_id, offer_ids, changes, values, order=None):
        """Record a sent batch (``offer_ids``: its offers of ``kind``) and
        mark its offers pending."""
        push = self.env["mp.offer.push"].create(
            {
                "backend_id": self.backend.id,
                "run_id": run.id,
                "kind": kind,
                "external_id": batch_id
                if isinstance(batch_id, str | int) and batch_id
                else False,
                "line_count": len(offer_ids),
                "payload": json.dumps(
                    {values[i]["sku"]: str(changes[i]) for i in offer_ids}
                ),
                "batch_skus": order or False,
            }
        )
        self._mark_sent(push, offer_ids, [changes[i] for i in offer_ids])
        return push

    def _mark_sent(self, push, offer_ids, sent):
        """The offers of ``push`` are pending with the ``sent`` values."""
        self.env.flush_all()
        if push.kind == "stock":
            columns = SQL(
                "stock_state = 'pending', sent_quantity = v.value::int, "
                "stock_push_id = %s",
                push.id,
            )
        else:
            columns = SQL(
                "price_state = 'pending', sent_price = v.value, price_push_id = %s",
                push.id,
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mp_offer_binding o
                   SET %(columns)s, date_pushed = now() at time zone 'UTC'
                  FROM unnest(%(ids)s::int[], %(values)s::numeric[]) AS v(id, value)
                 WHERE o.id = v.id
                """,
                columns=columns,
                ids=offer_ids,
                values=[str(value) for value in sent],
            )
        )
        self.env["mp.offer.binding"].invalidate_model()


def _chunks(ids, size):
    """``ids`` in lists of ``size`` (at least 1)."""
    size = max(1, size)
    return [ids[start : start + size] for start in range(0, len(ids), size)]
