#!/usr/bin/env python3
"""Cdiscount connector speed, without Odoo: mapping, zeep, packages, import.

Usage (with the suite's Python: zeep and lxml installed)::

    python3 bench/bench_cdiscount.py [--orders 500] [--offers 10000] [--repeat 3]

It starts the Cdiscount emulator alone on a free port, creates N valid
orders (the emulator's variety: relay points, companies, several lines,
additional shipping, fulfilment...) for the REST seller (98979) and as many
for the SOAP seller (98980), then prints:

1. **end-to-end import** per API generation: every page of the orders
   through ``CdiscountClient.list_orders`` over real HTTP (REST: pages of
   100 orders by ``pageIndex``; SOAP: a light ``GetOrderList`` of the window,
   then pages of 100 by ``OrderReferenceList``, zeep on both sides of the
   wire), each order mapped to a canonical order; the time, the orders a
   second and the calls the emulator served;
2. **mapping** per generation: ``map_order`` on the raw orders the import
   read (best of ``--repeat`` runs), in orders a second;
3. **zeep parsing** of one ``GetOrderList`` answer holding the N orders with
   their lines: the XML parsed and deserialised by zeep, turned into the
   plain JSON the addon stores (``soap_answers.plain``) and the N orders
   mapped; the answer's size, the time of each step (best of the runs);
4. **offer package**: ``build_offer_package`` of ``--offers`` offers (the
   zip a SOAP offer export hosts for Cdiscount to download), its size, and
   the time the emulator's ``read_offer_package`` takes to read it back.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

REST_SELLER = ("98979", "sandbox-cdiscount-client", "sandbox-cdiscount-secret")
SOAP_SELLER = ("98980", "sandbox-cdiscount2-api", "sandbox-cdiscount2-password")
BINDING = "{http://tempuri.org/}BasicHttpBinding_IMarketplaceAPIService"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--offers", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def best_of(repeat, function):
    """(best seconds, last result) of ``repeat`` calls of ``function``."""
    best, result = None, None
    for _run in range(max(1, repeat)):
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def make_client(url, generation):
    from mphub.cdiscount.client import CdiscountClient

    if generation == "rest":
        seller_id, client_id, secret = REST_SELLER
        settings = {
            "api_url": f"{url}/seller/v2",
            "auth_url": f"{url}/auth/realms/maas/protocol/openid-connect/token",
            "client_id": client_id,
            "client_secret": secret,
            "seller_id": seller_id,
        }
    else:
        _seller_id, login, password = SOAP_SELLER
        settings = {
            "soap_url": f"{url}/MarketplaceAPIService.svc",
            "sts_url": f"{url}/users/httpIssue.svc/",
            "login": login,
            "password": password,
        }
    return CdiscountClient(generation, timeout=60, **settings)


def import_all(client, since):
    """Every page of the orders updated since ``since``, each mapped: the raw
    orders and the pages read."""
    raws, page, pages = [], None, 0
    while True:
        result = client.list_orders(since, page=page)
        pages += 1
        for raw in result.orders:
            client.map_order(raw)
        raws.extend(result.orders)
        page = result.next_page
        if not page:
            return raws, pages


def bench_generation(emulator, url, generation, since, repeat):
    client = make_client(url, generation)
    try:
        calls = emulator.stats.calls()
        started = time.perf_counter()
        raws, pages = import_all(client, since)
        elapsed = time.perf_counter() - started
        calls = emulator.stats.calls() - calls
        mapping, _orders = best_of(
            repeat, lambda: [client.map_order(raw) for raw in raws]
        )
    finally:
        client.close()
    n = len(raws)
    print(
        f"{generation.upper()} end-to-end import: {n} orders in {pages} pages, "
        f"{elapsed:.2f} s, {n / elapsed:.0f} orders/s ({calls} calls)"
    )
    print(
        f"{generation.upper()} mapping: {mapping * 1000:.1f} ms, "
        f"{n / mapping:.0f} orders/s"
    )
    return n


def soap_order_list_answer(url, since):
    """The HTTP answer of one GetOrderList of the window since ``since``
    with the orders' lines, and the zeep service that asked for it."""
    import requests
    import zeep
    from lxml import etree
    from mphub.cdiscount import common
    from mphub.cdiscount.soap import ORDER_STATES

    soap = make_client(url, "soap").api
    token, _expires = soap._fetch_token()
    service = zeep.Client(
        f"{url}/MarketplaceAPIService.svc?wsdl",
        settings=zeep.Settings(strict=True, forbid_dtd=True),
    ).create_service(BINDING, f"{url}/MarketplaceAPIService.svc")
    paris = since.astimezone(common.PARIS).replace(tzinfo=None, microsecond=0)
    end = paris + timedelta(days=2)
    envelope, headers = service._binding._create(
        "GetOrderList",
        args=(),
        kwargs={
            "headerMessage": soap._header(token),
            "orderFilter": {
                "BeginCreationDate": paris,
                "BeginModificationDate": paris,
                "EndCreationDate": end,
                "EndModificationDate": end,
                "FetchOrderLines": True,
                "FetchParcels": True,
                "States": {"OrderStateEnum": ORDER_STATES},
            },
        },
        client=service._client,
    )
    response = requests.post(
        f"{url}/MarketplaceAPIService.svc",
        data=etree.tostring(envelope),
        headers=headers,
        timeout=120,
    )
    response.raise_for_status()
    soap.close()
    return service, response


def bench_zeep(url, since, repeat):
    from mphub.cdiscount import soap_answers, soap_mapping

    service, response = soap_order_list_answer(url, since)
    binding = service._binding
    operation = binding.get("GetOrderList")

    def parse():
        return binding.process_reply(service._client, operation, response)

    parsing, result = best_of(repeat, parse)
    plain, orders = best_of(
        repeat, lambda: soap_answers.read_order_list(soap_answers.plain(result))
    )
    mapping, _mapped = best_of(
        repeat, lambda: [soap_mapping.map_order(order) for order in orders]
    )
    n = len(orders)
    total = parsing + plain + mapping
    print(
        f"SOAP GetOrderList answer of {n} orders ({len(response.content) / 1024:.0f} "
        f"KiB): zeep parse {parsing * 1000:.0f} ms, to plain JSON "
        f"{plain * 1000:.0f} ms, mapping {mapping * 1000:.0f} ms: "
        f"{n / total:.0f} orders/s in all"
    )


def bench_package(count, repeat):
    from mphub.cdiscount.package import build_offer_package, read_offer_package
    from mphub.offers import OfferRow
    from mphub.sandbox import catalog

    rows = []
    for index in range(count):
        product = catalog.product(42, index)
        rows.append(
            OfferRow(
                product["sku"],
                quantity=index % 50,
                price=Decimal(product["price"]),
                ean=product["ean"],
            )
        )
    building, data = best_of(
        repeat, lambda: build_offer_package(rows, "bench-stock-and-price")
    )
    reading, offers = best_of(repeat, lambda: read_offer_package(data))
    assert len(offers) == count, (len(offers), count)
    print(
        f"offer package of {count} offers: built in {building * 1000:.0f} ms "
        f"({count / building:.0f} offers/s), {len(data) / 1024:.0f} KiB zipped; "
        f"read back in {reading * 1000:.0f} ms"
    )


def main():
    args = parse_args()
    from mphub.sandbox.cdiscount import CdiscountEmulator
    from mphub.sandbox.server import EmulatorServer

    emulator = CdiscountEmulator(seed=11)
    server = EmulatorServer(emulator).start()
    try:
        since = emulator.clock.now() - timedelta(hours=1)
        for seller in (REST_SELLER[0], SOAP_SELLER[0]):
            emulator.create_orders(seller, args.orders)
        print(f"Cdiscount emulator at {server.url}, {args.orders} orders a seller")
        for generation in ("rest", "soap"):
            bench_generation(emulator, server.url, generation, since, args.repeat)
        bench_zeep(server.url, since, args.repeat)
    finally:
        server.stop()
    bench_package(args.offers, args.repeat)


if __name__ == "__main__":
    main()
