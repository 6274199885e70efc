"""The Fnac Darty emulator and client agree with the official XSDs.

The official XSDs are read where they are published for the project
(``contracts_dir() / "fnac"``: one ``<Service>Service.xsd`` per service,
including base.xsd -> state.xsd -> common.xsd), never copied into the
repository; the module is skipped when they are absent. Each document is
validated with lxml against its service's XSD. Two kinds of checks:

- every answer of the emulator to every service the connector uses: OK
  answers with the whole variety (300 orders of every kind and state, every
  page; offers with malformed records; batches ACTIVE, RUNNING and final
  with per-offer errors; competitors with an unknown product; messages of
  every author and replies; opened and closed incidents), business errors
  (per-order errors, the volume limits ERR_103 / ERR_104 / ERR_105), an
  expired token, refused credentials and a request the XSD refuses
  (ERR_096); the requests this test sends validate too;
- every request the client (``mphub.fnac.client.FnacClient``) sends, for
  every verb, captured through its one sending point (``FnacApi.recorder``).
"""

import functools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree
from mphub.client import Shipment
from mphub.fnac.client import FnacClient
from mphub.fnac.mapping_messages import map_incident, map_message
from mphub.fnac.payload import INCIDENT_LISTS, MESSAGE_LISTS, element_to_json
from mphub.offers import OfferRow, PriceRow, StockRow
from mphub.sandbox.fnac import FnacEmulator
from mphub.sandbox.server import EmulatorServer

from tests.core import fnac_samples as samples
from tests.core.fnac_samples import NS, RawShop

from .conftest import contracts_dir

XSD_DIR = contracts_dir() / "fnac"
XS = "http://www.w3.org/2001/XMLSchema"
if not (XSD_DIR / "OrdersQueryService.xsd").exists():
    pytest.skip(
        f"official Fnac XSDs not found in {XSD_DIR} "
        "(set MPHUB_CONTRACTS_DIR to the contracts directory)",
        allow_module_level=True,
    )


def schema_file(service):
    """The official XSD of a service: ``orders_query`` ->
    ``OrdersQueryService.xsd`` (``auth``: AuthenticationService.xsd)."""
    name = "authentication" if service == "auth" else service
    return XSD_DIR / ("".join(part.title() for part in name.split("_")) + "Service.xsd")


def order_states():
    """The order states state.xsd enumerates (``order_state``)."""
    tree = etree.parse(str(XSD_DIR / "state.xsd"))
    path = "//xs:simpleType[@name='order_state']//xs:enumeration/@value"
    return set(tree.xpath(path, namespaces={"xs": XS}))


@functools.cache
def schema(service):
    return etree.XMLSchema(etree.parse(str(schema_file(service))))


def problems(service, element):
    """The XSD's objections to a request or answer of ``service``."""
    if isinstance(element, bytes):
        element = etree.fromstring(element)
    xsd = schema(service)
    if xsd.validate(element):
        return []
    return [f"{e.line}: {e.message}" for e in xsd.error_log][:5]


class Seen:
    """Every document a test sent or received, validated as it goes."""

    def __init__(self):
        self.documents = []  # (service, root tag, status)

    def __call__(self, service, element):
        found = problems(service, element)
        tag = etree.QName(element).localname
        assert not found, f"{tag} does not validate: {found}"
        self.documents.append((service, tag, element.get("status")))


def local(element, tag):
    return element.findall(f"{{{NS}}}{tag}")


def find(element, path):
    return element.findtext("/".join(f"{{{NS}}}{part}" for part in path.split("/")))


@pytest.fixture(scope="module")
def emulator():
    emulator = FnacEmulator(seed=11, xsd_dir=str(XSD_DIR))
    server = EmulatorServer(emulator).start()
    emulator.url = server.url
    try:
        yield emulator
    finally:
        server.stop()


@pytest.fixture
def seen():
    return Seen()


def raw_shop(emulator, seen, slot=0, key=None):
    shop_id, _name, shop_key = emulator.shop_specs[slot][:3]
    return RawShop(emulator.url, emulator.partner_id, shop_id, key or shop_key, seen)


@pytest.fixture(scope="module")
def variety(emulator):
    """300 orders of every kind and state in the Darty shop."""
    shop_id = emulator.shop_specs[1][0]
    ids = emulator.create_orders(shop_id, 300, **samples.VARIETY)
    return shop_id, ids


# ----------------------------------------------------------------------
# the samples of the mapper tests are real-shaped
# ----------------------------------------------------------------------
def test_the_mapper_samples_validate():
    orders = [
        samples.order_element(),
        samples.order_element(billing=samples.address(company="X", nif="FR1")),
        samples.order_element(lines=[samples.line(shipping_method="55")]),
    ]
    assert problems("orders_query", samples.orders_response(orders)) == []
    incidents = [samples.incident_element(), samples.incident_element(status="CLOSED")]
    assert problems("incidents_query", samples.incidents_response(incidents)) == []
    messages = [samples.message_element(), samples.message_element(author=None)]
    assert problems("messages_query", samples.messages_response(messages)) == []
    offers = [samples.offer_element(), samples.offer_element(quantity="0")]
    assert problems("offers_query", samples.offers_response(offers)) == []
    update = samples.orders_update_answer(as_element=True)
    assert problems("orders_update", update) == []
    assert problems("batch_status", samples.batch_answer(as_element=True)) == []
    pricing = samples.build("pricing_query_response", [], {"status": "OK"})
    pricing.append(samples.pricing_product(as_element=True))
    assert problems("pricing_query", pricing) == []


# ----------------------------------------------------------------------
# (a) every answer of the emulator
# ----------------------------------------------------------------------
def test_auth_answers(emulator, seen):
    shop = raw_shop(emulator, seen)
    assert shop.authenticate().get("status") == "OK"
    refused = raw_shop(emulator, seen, key="00000000-0000-4000-8000-000000000000")
    answer = refused.authenticate()
    assert answer.get("status") == "ERROR"
    assert local(answer, "error")[0].get("code") == "ERR_001"


def test_every_orders_query_page_of_every_kind_and_state(emulator, seen, variety):
    shop_id, ids = variety
    shop = raw_shop(emulator, seen, slot=1)
    orders = shop.orders(results_count="100")
    assert {o["order_id"] for o in orders} == set(ids)
    assert {o["state"] for o in orders} == order_states()
    kinds = {emulator.order_record(shop_id, i)["kind"] for i in ids}
    assert kinds == {"valid", "unknown_sku", "malformed"}
    pages = [d for d in seen.documents if d[1] == "orders_query_response"]
    assert len(pages) == 3
    big = shop.post("orders_query", [("paging", "1")], results_count="500")
    assert len(local(big, "order")) == 300


def test_orders_query_filters(emulator, seen, variety):
    shop_id, ids = variety
    shop = raw_shop(emulator, seen, slot=1)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    window = [
        ("min", (now - timedelta(days=400)).isoformat()),
        ("max", (now + timedelta(days=1)).isoformat()),
    ]
    answer = shop.post(
        "orders_query",
        [
            ("paging", "1"),
            ("date", ({"type": "UpdatedAt"}, window)),
            ("states", [("state", "Created"), ("state", "ToShip")]),
            ("sort_by", "ASC"),
        ],
        results_count="50",
    )
    assert {find(o, "state") for o in local(answer, "order")} <= {"Created", "ToShip"}
    wanted = [("order_fnac_id", i) for i in ids[:50]]
    answer = shop.post("orders_query", [("orders_fnac_id", wanted)])
    assert len(local(answer, "order")) == 50
    empty = shop.post("orders_query", [("order_fnac_id", "0000000000000")])
    assert local(empty, "order") == []


def _decisions(emulator, shop_id, order_id, action="accept_order"):
    """orders_update ``order`` fields accepting every line of an order."""
    record = emulator.order_record(shop_id, order_id)
    details = [
        ("order_detail", [("order_detail_id", x["line_id"]), ("action", "Accepted")])
        for x in record["lines"]
    ]
    return ("order", ({"order_id": order_id, "action": action}, details))


def test_orders_update_answers_per_order_and_the_25_orders_limit(emulator, seen):
    shop = raw_shop(emulator, seen)
    shop_id = shop.shop_id
    ids = emulator.create_orders(shop_id, 30, multi_line_share=0.5)
    accept = [_decisions(emulator, shop_id, i) for i in ids[:5]]
    answer = shop.post("orders_update", accept)
    assert answer.get("status") == "OK"
    assert {find(o, "state") for o in local(answer, "order")} == {"Accepted"}
    # accepted again among new ones: per-order errors, the others applied
    answer = shop.post(
        "orders_update", accept[:2] + [_decisions(emulator, shop_id, ids[5])]
    )
    assert answer.get("status") in ("WARNING", "ERROR")
    statuses = [find(o, "status") for o in local(answer, "order")]
    assert statuses == ["ERROR", "ERROR", "OK"]
    too_many = [_decisions(emulator, shop_id, i) for i in ids[4:30]]
    answer = shop.post("orders_update", too_many)
    assert (answer.get("status"), local(answer, "error")[0].get("code")) == (
        "ERROR",
        "ERR_104",
    )
    assert emulator.order_record(shop_id, ids[29])["state"] == "Created"


def test_shipment_answers(emulator, seen):
    shop = raw_shop(emulator, seen)
    shop_id = shop.shop_id
    ids = emulator.create_orders(shop_id, 3, state="ToShip", relay_share=0)
    ids += emulator.create_orders(shop_id, 1, state="Accepted")
    emulator.update_settings({"billing_delay_seconds": 3600})
    try:
        orders = []
        for order_id, action in zip(
            ids,
            ("confirm_to_send", "update", "confirm_to_send", "confirm_to_send"),
            strict=True,
        ):
            record = emulator.order_record(shop_id, order_id)
            details = [
                (
                    "order_detail",
                    [
                        ("order_detail_id", x["line_id"]),
                        ("action", "Shipped"),
                        ("tracking_number", f"6A{order_id}"),
                        ("tracking_company", "Colissimo"),
                    ],
                )
                for x in record["lines"]
                if x["active"]
            ]
            orders.append(
                ("order", ({"order_id": order_id, "action": action}, details))
            )
        answer = shop.post("orders_update", orders)
    finally:
        emulator.update_settings({"billing_delay_seconds": 0})
    statuses = [(find(o, "status"), find(o, "state")) for o in local(answer, "order")]
    assert statuses[:3] == [("OK", "Shipped")] * 3
    assert statuses[3][0] == "ERROR"  # Accepted: billing pending, not yet ToShip


def test_carriers_answer(emulator, seen):
    answer = raw_shop(emulator, seen).post("carriers_query", [("query", "all")])
    assert answer.get("status") == "OK"
    assert len(local(answer, "carrier")) >= 10


def _offer(sku, price=None, quantity=None, ean=None):
    fields = [
        ("product_reference", ({"type": "Ean"}, ean) if ean else None),
        ("offer_reference", ({"type": "SellerSku"}, sku)),
        ("price", price),
        ("product_state", "11" if ean else None),
        ("quantity", quantity),
    ]
    return ("offer", fields)


def test_offers_update_and_every_batch_state(emulator, seen):
    shop = raw_shop(emulator, seen)
    emulator.create_offers(shop.shop_id, 20)
    skus = sorted(emulator.offers(shop.shop_id))[:6]
    offers = [_offer(skus[0], price="19.90"), _offer(skus[1], quantity="3")]
    offers += [_offer(skus[2], price="0.90"), _offer("NOT-A-SKU", quantity="1")]
    emulator.update_settings({"batch_polls": 2})
    try:
        answer = shop.post("offers_update", offers)
        batch_id = find(answer, "batch_id")
        statuses = []
        for _poll in range(5):
            status = shop.post("batch_status", [("batch_id", batch_id)])
            statuses.append(status.get("status"))
            if statuses[-1] not in ("ACTIVE", "RUNNING"):
                break
    finally:
        emulator.update_settings({"batch_polls": 1})
    assert statuses[:2] == ["ACTIVE", "RUNNING"]
    assert statuses[-1] in ("WARNING", "ERROR")
    results = {
        find(o, "offer_seller_id"): o.get("status") for o in local(status, "offer")
    }
    assert results[skus[2]] == results["NOT-A-SKU"] == "ERROR"
    assert results[skus[0]] == "OK"
    unknown = shop.post(
        "batch_status", [("batch_id", "00000000-0000-4000-8000-00000000b0b0")]
    )
    assert unknown.get("status") == "ERROR"


def test_more_than_10000_offers_are_refused_whole(emulator, seen):
    shop = raw_shop(emulator, seen)
    offers = [_offer(f"SKU-{n}", quantity="1") for n in range(10_001)]
    answer = shop.post("offers_update", offers)
    assert local(answer, "error")[0].get("code") == "ERR_103"


def test_offers_query_pages_with_malformed_records(emulator, seen):
    shop = raw_shop(emulator, seen, slot=1)
    emulator.create_offers(
        shop.shop_id, 150, malformed_share=0.1, unknown_sku_share=0.1
    )
    first = shop.post("offers_query", [("paging", "1")], results_count="100")
    total = int(find(first, "total_paging"))
    pages = [first] + [
        shop.post("offers_query", [("paging", str(n))], results_count="100")
        for n in range(2, total + 1)
    ]
    records = [o for page in pages for o in local(page, "offer")]
    assert len(records) == 150
    assert any(not find(o, "offer_seller_id") for o in records)


def test_pricing_answers_with_competitors_and_their_limits(emulator, seen):
    shop = raw_shop(emulator, seen)
    eans = [product["ean"] for product in emulator.store.products[:9]]
    emulator.set_competitors(
        shop.shop_id,
        eans[0],
        [
            {
                "seller": "Boutique A",
                "price": "18.50",
                "shipping": "0",
                "type": "professional",
            },
            {
                "seller": "Jean D.",
                "price": "12.00",
                "shipping": "4.99",
                "type": "not professional",
            },
            {"seller": "Fnac", "price": "19.99", "shipping": "0", "type": "fnac"},
        ],
    )
    references = [("product_reference", ({"type": "Ean"}, ean)) for ean in eans]
    references.append(("product_reference", ({"type": "Ean"}, "0000000000000")))
    answer = shop.post("pricing_query", references, sellers="all")
    products = local(answer, "pricing_product")
    assert len(products) == 10
    assert any(local(p, "pricing") for p in products)
    assert local(products[-1], "error")[0].get("code") == "ERR_120"
    references.append(("product_reference", ({"type": "Ean"}, eans[0])))
    answer = shop.post("pricing_query", references, sellers="all")
    codes = {
        e.get("code")
        for p in local(answer, "pricing_product")
        for e in local(p, "error")
    }
    assert codes == {"ERR_105"}


def test_messages_replies_and_incidents(emulator, seen, variety):
    shop_id, ids = variety
    shop = raw_shop(emulator, seen, slot=1)
    emulator.post_message(shop_id, ids[0], "Où est mon colis ?", subject="Livraison")
    emulator.post_message(shop_id, ids[0], "Merci de répondre", from_type="CALLCENTER")
    emulator.post_message(shop_id, ids[1], "Commande expédiée", from_type="SYSTEM")
    answer = shop.post("messages_query", [("paging", "1")], results_count="100")
    messages = local(answer, "message")
    assert len(messages) >= 3
    client = next(m for m in messages if find(m, "message_referer") == ids[0])
    reply = [
        ("message_to", "CLIENT"),
        ("message_subject", "order_information"),
        ("message_description", "Votre colis part aujourd'hui."),
        ("message_type", "ORDER"),
    ]
    message_id = find(client, "message_id")
    answer = shop.post(
        "messages_update", [("message", ({"action": "reply", "id": message_id}, reply))]
    )
    assert answer.get("status") == "OK"
    assert emulator.replies(shop_id, ids[0])
    again = shop.post("messages_query", [("paging", "1")], results_count="100")
    authors = {
        m.find(f"{{{NS}}}message_from").get("type")
        for m in local(again, "message")
        if m.find(f"{{{NS}}}message_from") is not None
    }
    assert "SELLER" in authors
    opened = emulator.open_incident(shop_id, ids[2], "Colis non reçu")
    emulator.open_incident(shop_id, ids[3], "Article défectueux", type=3)
    emulator.close_incident(
        shop_id,
        opened,
        closed_status=10,
        refund={
            "product_amount": "10.00",
            "shipping_amount": "0",
            "fee_ht_amount": "1.00",
        },
    )
    answer = shop.post("incidents_query", [("paging", "1")], results_count="100")
    statuses = {find(i, "header/status") for i in local(answer, "incident")}
    assert statuses == {"OPENED", "CLOSED"}


def test_error_answers_validate(emulator, seen):
    shop = raw_shop(emulator, seen)
    shop.authenticate()
    emulator.expire_tokens()
    expired = shop.post("orders_query", [("paging", "1")])
    assert expired.get("status") == "ERROR" and local(expired, "error")
    shop.token = "00000000-0000-4000-8000-000000000000"
    assert shop.post("carriers_query", [("query", "all")]).get("status") == "ERROR"
    shop.token = None
    # a request the XSD refuses (an order id of 5 characters): ERR_096
    invalid = samples.build("orders_query", [("order_fnac_id", "SHORT")], shop.header())
    assert problems("orders_query", invalid)
    answer = shop.send("orders_query", invalid, check_request=False)
    assert local(answer, "error")[0].get("code") == "ERR_096"


# ----------------------------------------------------------------------
# (b) every request the client sends
# ----------------------------------------------------------------------
@pytest.fixture
def client(emulator):
    """A client of the Fnac shop whose every request body is checked
    against its service's XSD as it leaves (``FnacApi.recorder``)."""
    shop_id, _name, key = emulator.shop_specs[0][:3]
    client = FnacClient(f"{emulator.url}/api.php", emulator.partner_id, shop_id, key)
    client.sent = []

    def record(service, body):
        found = problems(service, body)
        assert not found, f"the client's {service} request does not validate: {found}"
        client.sent.append(service)

    client.api.recorder = record
    yield client
    client.close()


def test_the_client_requests_for_orders_validate(emulator, client):
    ids = emulator.create_orders(client.shop_id, 8, multi_line_share=1, relay_share=0)
    client.test_connection()
    since = datetime.now(timezone.utc) - timedelta(days=400)
    client.page_size = 3
    page = client.list_orders(since)
    while page.next_page:
        page = client.list_orders(since, page.next_page)
    raws = {client.external_id(raw): raw for raw in client.get_orders(ids)}
    decisions = {}
    for order_id in ids[:5]:
        lines = [line.external_id for line in client.map_order(raws[order_id]).lines]
        # the first line of the first and last orders refused, the others accepted
        refuse_first = order_id in (ids[0], ids[4])
        decisions[order_id] = {
            line: not (refuse_first and n == 0) for n, line in enumerate(lines)
        }
    outcomes = client.accept_orders([(i, decisions[i], raws[i]) for i in ids[:4]])
    assert len(outcomes) == 4
    client.accept_order(ids[4], decisions[ids[4]], raws[ids[4]])
    carriers = client.list_carriers()
    shipments = [
        (i, Shipment(tracking_number=f"6A{i}", carrier_code=carriers[0]["code"]), None)
        for i in ids[1:4]
    ]
    client.ship_orders(shipments)
    client.ship_order(
        ids[4], Shipment(tracking_number="XY1", carrier_name="Mondial Relay")
    )
    expected = {"auth", "orders_query", "orders_update", "carriers_query"}
    assert set(client.sent) == expected


def test_the_client_requests_for_offers_and_competitors_validate(emulator, client):
    emulator.create_offers(client.shop_id, 30, malformed_share=0.1)
    products = emulator.store.products
    rows = [
        OfferRow(products[0]["sku"], price=Decimal("19.90")),
        OfferRow(products[1]["sku"], quantity=4),
        OfferRow(products[2]["sku"], quantity=0, price=Decimal("0.91")),
        OfferRow(
            products[40]["sku"],
            quantity=2,
            price=Decimal("12.50"),
            ean=products[40]["ean"],
        ),
        OfferRow("UNKNOWN-SKU", quantity=1),
    ]
    batch = client.push_offers(rows)
    client.push_status("offers", batch, [row.sku for row in rows])
    client.push_stock([StockRow(products[3]["sku"], 7)])
    client.push_prices([PriceRow(products[4]["sku"], Decimal("9.99"))])
    page = client.list_listings()
    while page.next_page:
        page = client.list_listings(page.next_page)
    eans = [product["ean"] for product in products[:12]] + ["0000000000000"]
    found = client.competitor_offers(eans)
    assert len(found) == 13
    assert client.sent.count("pricing_query") == 2
    assert {"offers_update", "batch_status", "offers_query"} <= set(client.sent)
    assert client.sent.count("offers_update") == 3


def test_the_client_requests_for_messages_validate(emulator, client):
    ids = emulator.create_orders(client.shop_id, 2)
    emulator.post_message(client.shop_id, ids[0], "Bonjour, où est mon colis ?")
    emulator.post_message(
        client.shop_id, ids[1], "Appel client", from_type="CALLCENTER"
    )
    emulator.open_incident(client.shop_id, ids[1], "Colis non reçu")
    page = None
    since = datetime.now(timezone.utc) - timedelta(days=1)
    while True:
        page = client.list_messages(since, page).next_page
        if not page:
            break
    # what to answer, read raw (the emulator's clock may run ahead of ours)
    shop = raw_shop(emulator, None)
    answer = shop.post("messages_query", [("paging", "1")], results_count="100")
    messages = [
        map_message(element_to_json(m, MESSAGE_LISTS)) for m in local(answer, "message")
    ]
    answer = shop.post("incidents_query", [("paging", "1")], results_count="100")
    messages += [
        map_incident(element_to_json(i, INCIDENT_LISTS))
        for i in local(answer, "incident")
    ]
    for message in messages:
        if message.reply_expected and message.order_external_id in ids:
            client.reply_message(message, "Votre colis est parti ce matin.")
    assert {"messages_query", "incidents_query", "messages_update"} <= set(client.sent)
    assert client.sent.count("messages_update") >= 3
    assert emulator.replies(client.shop_id, ids[0])
