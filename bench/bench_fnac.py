#!/usr/bin/env python3
"""Fnac Darty connector speed, without Odoo: XML pages, mapping, batches.

Usage (with the suite's Python: lxml installed)::

    python3 bench/bench_fnac.py [--orders 500] [--offers 10000] [--repeat 3]

It starts the Fnac Darty emulator alone on a free port (requests are not
validated against the XSDs: the emulator's own checks only), creates N
valid orders of the emulator's variety (relay points, companies, several
lines, empty first names, low prices...) in the Fnac shop, then prints:

1. **orders_query page**: one answer holding the N orders (``results_count``
   N, at most 500), as the client reads it: the XML parsed
   (``mphub.http.parse_xml``), turned into the JSON the addon stores
   (``payload.element_to_json``) and each order mapped to a canonical order
   (``mapping.map_order``); the answer's size, the time of each step (best
   of ``--repeat`` runs) and the orders a second in all;
2. **end-to-end import**: every page of the N orders through
   ``FnacClient.list_orders`` (pages of 100) over real HTTP, each order
   mapped; the time, the orders a second and the calls the emulator served;
3. **orders_update of 25 orders**: ``FnacClient.accept_orders`` of 25 of
   them (every line accepted), one call, each order's outcome read back;
4. **offers_update of ``--offers`` offers**: ``requests.offers_update`` of
   that many offers built (changed prices and quantities of the shop's
   offers), then ``FnacClient.push_offers`` sending them in one call and
   ``push_status`` polled until the batch is done, with its errors;
5. **pricing_query of 10 products**: ``FnacClient.competitor_offers`` of ten
   EANs of the catalogue (one call), the offers read.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench_cdiscount import best_of, import_all  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--offers", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def make_client(url):
    from mphub.fnac.client import FnacClient
    from mphub.sandbox.fnac_data import DEFAULT_SHOPS, PARTNER_ID

    shop_id, _name, key, _market = DEFAULT_SHOPS[0]
    return FnacClient(f"{url}/api.php", PARTNER_ID, shop_id, key, timeout=120)


def page_answer(client, since, size):
    """The bytes of one orders_query answer of ``size`` orders since
    ``since``: the request the client builds, posted once more as is."""
    import requests as http
    from mphub.fnac import requests
    from mphub.tokens import utc_now

    sent = []
    client.api.recorder = lambda service, body: sent.append(body)
    client._post(
        "orders_query", requests.orders_query(1, size, since, utc_now()), ("order",)
    )
    client.api.recorder = None
    response = http.post(
        f"{client.api.transport.base_url}/orders_query",
        data=sent[-1],
        headers={"Content-Type": "text/xml"},
        timeout=120,
    )
    response.raise_for_status()
    return response.content


def bench_page(client, since, count, repeat):
    from mphub.fnac import mapping
    from mphub.fnac.client import ORDER_DOC_LISTS
    from mphub.fnac.payload import element_to_json
    from mphub.http import parse_xml

    data = page_answer(client, since, min(count, 500))
    parsing, root = best_of(repeat, lambda: parse_xml(data))
    plain, doc = best_of(repeat, lambda: element_to_json(root, ORDER_DOC_LISTS))
    orders = doc.get("order") or []
    mapped, _orders = best_of(
        repeat, lambda: [mapping.map_order(raw) for raw in orders]
    )
    n, total = len(orders), parsing + plain + mapped
    print(
        f"orders_query answer of {n} orders ({len(data) / 1024:.0f} KiB): parse "
        f"{parsing * 1000:.1f} ms, to JSON {plain * 1000:.1f} ms, mapping "
        f"{mapped * 1000:.1f} ms: {n / total:.0f} orders/s in all"
    )


def bench_import(emulator, client, since):
    calls = emulator.stats.calls()
    started = time.perf_counter()
    raws, pages = import_all(client, since)
    elapsed = time.perf_counter() - started
    calls = emulator.stats.calls() - calls
    n = len(raws)
    print(
        f"end-to-end import: {n} orders in {pages} pages, {elapsed:.2f} s, "
        f"{n / elapsed:.0f} orders/s ({calls} calls)"
    )
    return raws


def bench_accept(emulator, client, raws):
    items = []
    for raw in raws[:25]:
        order = client.map_order(raw)
        decisions = {line.external_id: True for line in order.lines if line.active}
        items.append((order.external_id, decisions, raw))
    calls = emulator.stats.calls("orders_update")
    started = time.perf_counter()
    outcomes = client.accept_orders(items)
    elapsed = time.perf_counter() - started
    calls = emulator.stats.calls("orders_update") - calls
    failed = [k for k, outcome in outcomes.items() if isinstance(outcome, Exception)]
    print(
        f"orders_update of {len(items)} acceptances: {elapsed * 1000:.0f} ms "
        f"({calls} call, {len(failed)} refused)"
    )


def offer_rows(emulator, shop_id, count):
    """Changed prices and quantities of ``count`` offers of the shop, one
    in a hundred of a SKU Fnac does not know (an error of the batch)."""
    from mphub.offers import OfferRow
    from mphub.sandbox import catalog

    emulator.create_offers(shop_id, count)
    rows = []
    for index, offer in enumerate(list(emulator.offers(shop_id).values())[:count]):
        sku = catalog.unknown_sku(index) if index % 100 == 99 else offer["sku"]
        price = Decimal(offer["price"]) + Decimal("0.10")
        rows.append(OfferRow(sku, quantity=index % 50, price=price))
    return rows


def bench_offers(emulator, client, count, repeat):
    from mphub.fnac import offers, requests
    from mphub.fnac.xmlapi import serialize

    rows = offer_rows(emulator, client.shop_id, count)
    building, body = best_of(
        repeat,
        lambda: serialize(
            requests.offers_update([offers._offer(row)[0] for row in rows])
        ),
    )
    started = time.perf_counter()
    batch_id = client.push_offers(rows)
    sent = time.perf_counter() - started
    polls = 0
    while True:
        polls += 1
        status = client.push_status("stock", batch_id, [row.sku for row in rows])
        if status.done:
            break
    elapsed = time.perf_counter() - started
    print(
        f"offers_update of {len(rows)} offers ({len(body) / 1024:.0f} KiB): built in "
        f"{building * 1000:.0f} ms, sent in {sent * 1000:.0f} ms, done after "
        f"{polls} batch_status polls in {elapsed:.2f} s ({len(status.errors)} "
        f"offers in error)"
    )


def bench_pricing(emulator, client, repeat):
    eans = [product["ean"] for product in emulator.store.products[:10]]
    calls = emulator.stats.calls("pricing_query")
    elapsed, products = best_of(repeat, lambda: client.competitor_offers(eans))
    calls = (emulator.stats.calls("pricing_query") - calls) // max(1, repeat)
    offers = sum(len(product.offers) for product in products)
    print(
        f"pricing_query of {len(products)} products: {elapsed * 1000:.0f} ms "
        f"({calls} call, {offers} competitors' offers read)"
    )


def main():
    args = parse_args()
    from mphub.sandbox.fnac import FnacEmulator
    from mphub.sandbox.server import EmulatorServer

    emulator = FnacEmulator(seed=11, catalog_size=max(60, args.offers))
    server = EmulatorServer(emulator).start()
    client = make_client(server.url)
    try:
        since = emulator.clock.now() - timedelta(hours=1)
        emulator.create_orders(client.shop_id, args.orders)
        print(f"Fnac Darty emulator at {server.url}, {args.orders} orders")
        bench_page(client, since, args.orders, args.repeat)
        raws = bench_import(emulator, client, since)
        bench_accept(emulator, client, raws)
        bench_offers(emulator, client, args.offers, args.repeat)
        bench_pricing(emulator, client, args.repeat)
    finally:
        client.close()
        server.stop()


if __name__ == "__main__":
    main()
