"""The offer side of the Mirakl emulator and client against the official
seller OpenAPI: OF21, OF24, OF01-03, STO01-03, PRI01-03.

The emulator's answers are validated against the response schemas, their
status values against the values the descriptions list; the client's
requests (paths, query parameters, multipart fields, CSV headers) against
what the operations declare and document.
"""

import copy
import csv
import io
import re
from decimal import Decimal
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mphub.mirakl.client import MiraklClient
from mphub.mirakl.offers import PRICE_HEADER, STOCK_HEADER
from mphub.offers import PriceRow, StockRow
from mphub.sandbox import Sandbox, catalog

from .conftest import OpenApi, load_contract

KEY = "sandbox-carrefour-key"
SHOP = 2001
SEED = 5
PAGINATION = {"max", "offset", "paginate", "sort", "order"}
STOCK = "/api/offers/stock/imports"
PRICING = "/api/offers/pricing/imports"
OFFER_IMPORTS = "/api/offers/imports"


@pytest.fixture(scope="module")
def spec():
    return OpenApi(load_contract("mirakl/mirakl-mmp-seller-openapi.json"))


@pytest.fixture
def box():
    with Sandbox(seed=SEED) as sandbox:
        sandbox.emulators["mirakl"].create_offers(
            SHOP, 30, unknown_sku_share=0.1, ambiguous_share=0.1, ean_only_share=0.1
        )
        yield sandbox


def call(box, method, path, **kwargs):
    return requests.request(
        method,
        box.urls["mirakl"] + path,
        headers={"Authorization": KEY},
        timeout=10,
        **kwargs,
    )


def get(box, path, **params):
    response = call(box, "GET", path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def upload(box, path, content, **fields):
    response = call(
        box, "POST", path, files={"file": ("f.csv", content, "text/csv")}, data=fields
    )
    assert response.status_code == 201, response.text
    return response


def described_values(spec, schema, *path):
    """The values a property's description lists ("Enum: `"A"`, ...")."""
    node = spec.deref(schema)
    for name in path:
        node = spec.deref(node)
        node = node["items"] if name == "[]" else node["properties"][name]
    return set(re.findall(r'`"([A-Z_]+)"`', spec.deref(node)["description"]))


def documented_header(spec, path):
    """The CSV header the ``file`` field of an import documents."""
    body = spec.deref(spec.operation(path, "post")["requestBody"])
    schema = spec.deref(body["content"]["multipart/form-data"]["schema"])
    description = schema["properties"]["file"]["description"]
    line = re.search(r'<code>("[^<]*")</code>', description).group(1)
    return next(csv.reader([line], delimiter=";"))


def status_schema(spec, path):
    return spec.response_content(path, "get")["schema"]


# ----------------------------------------------------------------------
# OF21
# ----------------------------------------------------------------------
def test_of21_answers_match_the_spec(spec, box):
    mirakl = box.emulators["mirakl"]
    mirakl.set_import_settings(polls=0)
    skus = list(mirakl.shop(SHOP).offers)
    mirakl.set_offer(SHOP, skus[0], quantity=0)  # inactive
    mirakl.set_offer(SHOP, skus[1], quantity=4, warehouse="LYON")
    upload(  # a running discount, and one to come
        box,
        PRICING,
        b"offer-sku;price;discount-price;discount-start-date;discount-end-date\n"
        + f"{skus[2]};20;15;2020-01-01T00:00:00Z;\n".encode()
        + f"{skus[3]};20;15;2100-01-01T00:00:00Z;2100-02-01T00:00:00Z\n".encode(),
    )
    offer = {
        "shop_sku": "OF24-FULL",
        "product_id": catalog.product(SEED, 40)["ean"],
        "product_id_type": "EAN",
        "price": 30,
        "quantity": 2,
        "state_code": "11",
        "update_delete": "update",
        "internal_description": "Back office note",
        "price_additional_info": "Eco-part incluse",
        "available_started": "2020-01-01T00:00:00Z",
        "available_ended": "2100-01-01T00:00:00Z",
        "leadtime_to_ship": 0,
        "logistic_class": "XL",
    }
    call(box, "POST", "/api/offers", json={"offers": [offer]})
    pages = [
        get(box, "/api/offers", max=100),
        get(box, "/api/offers", max=7, offset=3, sort="productTitle", order="desc"),
        get(box, "/api/offers", sku="NOPE"),
        get(box, "/api/offers", offer_state_codes="11", sort="price"),
    ]
    assert pages[0]["total_count"] == 31
    for page in pages:
        assert spec.response_errors("/api/offers", "get", page) == []
    records = {o["shop_sku"]: o for o in pages[0]["offers"]}
    assert "inactivity_reasons" in records[skus[0]]
    assert records[skus[1]]["warehouses"] == [{"code": "LYON", "quantity": 4}]
    assert records[skus[2]]["discount"]["discount_price"] == 15
    assert records[skus[2]]["price"] == 15 and records[skus[3]]["price"] == 20
    assert records["OF24-FULL"]["leadtime_to_ship"] == 1  # 0 is shown as 1
    assert all(
        ref["reference_type"] == "EAN"
        for o in pages[0]["offers"]
        for ref in o["product_references"]
    )


def test_malformed_offers_break_the_schema_on_purpose(spec):
    with Sandbox(seed=SEED) as sandbox:
        mirakl = sandbox.emulators["mirakl"]
        mirakl.create_offers(SHOP, 9, malformed_share=1 / 3)
        page = get(sandbox, "/api/offers", max=100)
    errors = spec.response_errors("/api/offers", "get", page)
    assert len(errors) == 3, errors
    for field in ("shop_sku", "price", "quantity"):
        assert any(field in error for error in errors), field


# ----------------------------------------------------------------------
# imports: creation, status, error reports
# ----------------------------------------------------------------------
def test_stock_import_answers_match_the_spec(spec, box):
    mirakl = box.emulators["mirakl"]
    mirakl.set_import_settings(polls=3)
    sku = next(iter(mirakl.shop(SHOP).offers))
    content = f'"offer-sku";"quantity"\n"{sku}";"4"\n"NOPE";"1"\n'.encode()
    created = upload(box, STOCK, content)
    assert "Location" in spec.responses(STOCK, "post")["201"]["headers"]
    assert created.headers["Location"].endswith("/status")
    body = created.json()
    assert spec.response_errors(STOCK, "post", body, status="201") == []
    status_path = f"{STOCK}/{{import_id}}/status"
    allowed = described_values(spec, status_schema(spec, status_path), "status")
    seen = []
    for _poll in range(3):
        status = get(box, f"{STOCK}/{body['import_id']}/status")
        assert spec.response_errors(status_path, "get", status) == []
        seen.append(status["status"])
    assert seen == ["WAITING", "RUNNING", "COMPLETE"]
    assert set(seen) <= allowed
    report_path = f"{STOCK}/{{import_id}}/error_report"
    report = call(box, "GET", f"{STOCK}/{body['import_id']}/error_report")
    declared = spec.deref(spec.responses(report_path, "get")["200"])["content"]
    assert report.headers["Content-Type"].split(";")[0] in declared
    # an unreadable file fails, and says so in the described way
    failed = upload(box, STOCK, b"a;b\n1;2\n").json()["import_id"]
    for _poll in range(3):
        status = get(box, f"{STOCK}/{failed}/status")
    assert status["status"] == "FAILED" and "FAILED" in allowed
    assert spec.response_errors(status_path, "get", status) == []


def test_price_import_answers_match_the_spec(spec, box):
    mirakl = box.emulators["mirakl"]
    sku = next(iter(mirakl.shop(SHOP).offers))
    content = f"offer-sku;price\n{sku};9.90\nNOPE;1\n".encode()
    created = upload(box, PRICING, content)
    body = created.json()
    assert spec.response_errors(PRICING, "post", body, status="201") == []
    schema = status_schema(spec, PRICING)
    allowed = described_values(spec, schema, "data", "[]", "status")
    origins = described_values(spec, schema, "data", "[]", "origin")
    for _poll in range(2):
        listed = get(box, PRICING, import_id=body["import_id"])
        assert spec.response_errors(PRICING, "get", listed) == []
        (status,) = listed["data"]
        assert status["status"] in allowed and status["origin"] in origins
    assert status["status"] == "COMPLETE"
    assert spec.response_errors(PRICING, "get", get(box, PRICING)) == []
    declared = spec.parameters(PRICING, "get")
    assert {"import_id", "status", "start_date", "end_date", "origins"} <= declared
    report = call(box, "GET", f"{PRICING}/{body['import_id']}/error_report")
    content = spec.deref(
        spec.responses(f"{PRICING}/{{import_id}}/error_report", "get")["200"]
    )["content"]
    assert report.headers["Content-Type"].split(";")[0] in content


def test_of24_and_of02_match_the_spec(spec, box):
    """The official OF24 example, on a product of the sandbox catalogue, is
    applied; its import status (OF02) matches the spec."""
    mirakl = box.emulators["mirakl"]
    request = spec.request_content("/api/offers", "post")
    body = copy.deepcopy(request["examples"]["application/json-0"]["value"])
    (offer,) = body["offers"]
    offer["product_id"] = catalog.product(SEED, 3)["ean"]
    # Mirakl's own example writes some numbers as text ("5000"): the
    # emulator takes them, as Mirakl must
    errors = spec.request_errors("/api/offers", "post", body)
    assert errors and all(
        re.search(r": '\d+' is not of type '(number|integer)'", e) for e in errors
    ), errors
    created = call(box, "POST", "/api/offers", json=body)
    assert created.status_code == 201
    answer = created.json()
    assert spec.response_errors("/api/offers", "post", answer, status="201") == []
    path = "/api/offers/imports/{import}"
    schema = status_schema(spec, path)
    for _poll in range(2):
        status = get(box, f"/api/offers/imports/{answer['import_id']}")
        assert spec.response_errors(path, "get", status) == []
        assert status["status"] in described_values(spec, schema, "status")
        assert status["type"] in described_values(spec, schema, "type")
        assert status["mode"] in described_values(spec, schema, "mode")
    assert (status["status"], status["lines_in_success"]) == ("COMPLETE", 1)
    stored = mirakl.offer(SHOP, offer["shop_sku"])
    assert stored["quantity"] == int(offer["quantity"])
    assert Decimal(stored["price"]) == Decimal(str(offer["price"]))
    assert stored["description"] == offer["description"]
    assert stored["discount"]["price"] == f"{offer['discount']['price']:.2f}"


def test_of01_and_of03_match_the_spec(spec, box):
    """The official OF01 example file is taken (its products are not in the
    sandbox catalogue: its line is reported in error, OF03's way)."""
    request = spec.deref(spec.operation(OFFER_IMPORTS, "post")["requestBody"])
    form = request["content"]["multipart/form-data"]
    example = form["examples"]["multipart/form-data-0"]["value"]
    assert set(form["schema"]["required"]) <= set(example)
    created = upload(
        box, OFFER_IMPORTS, example["file"].encode(), import_mode=example["import_mode"]
    )
    answer = created.json()
    assert spec.response_errors(OFFER_IMPORTS, "post", answer, status="201") == []
    for _poll in range(2):
        status = get(box, f"{OFFER_IMPORTS}/{answer['import_id']}")
        assert spec.response_errors(f"{OFFER_IMPORTS}/{{import}}", "get", status) == []
    assert (status["lines_read"], status["lines_in_error"]) == (1, 1)
    report = call(box, "GET", f"{OFFER_IMPORTS}/{answer['import_id']}/error_report")
    content = spec.deref(
        spec.responses(f"{OFFER_IMPORTS}/{{import}}/error_report", "get")["200"]
    )["content"]
    assert report.headers["Content-Type"].split(";")[0] in content
    # the same columns as the official report example: the file's, then
    # the error line and message
    official = content["application/octet-stream"]["examples"]
    official_header = official["application/octet-stream-0"]["value"].splitlines()[0]
    ours = report.text.splitlines()[0]
    assert ours.split(";")[-2:] == official_header.split(";")[-2:]


def test_the_official_price_file_examples_are_applied(spec, box):
    mirakl = box.emulators["mirakl"]
    mirakl.set_import_settings(polls=0)
    product = catalog.product(SEED, 2)
    body = {
        "offers": [
            {
                "shop_sku": "SKU001",
                "product_id": product["ean"],
                "product_id_type": "EAN",
                "price": 99,
                "state_code": "11",
            }
        ]
    }
    assert call(box, "POST", "/api/offers", json=body).status_code == 201
    request = spec.deref(spec.operation(PRICING, "post")["requestBody"])
    examples = request["content"]["multipart/form-data"]["examples"]
    for name in ("multipart/form-data-0", "multipart/form-data-1"):
        created = upload(box, PRICING, examples[name]["value"]["file"].encode())
        (status,) = get(box, PRICING, import_id=created.json()["import_id"])["data"]
        assert (status["status"], status["lines_in_error"]) == ("COMPLETE", 0), name
        # the default price of the file is the offer's
        assert mirakl.offer(SHOP, "SKU001")["price"] == "20.00"


# ----------------------------------------------------------------------
# what the client sends
# ----------------------------------------------------------------------
def multipart_fields(request):
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: "
        + request.headers["Content-Type"].encode()
        + b"\r\n\r\n"
        + request.body
    )
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(
            decode=True
        )
        for part in message.iter_parts()
    }


def test_the_client_sends_what_the_spec_describes(spec, box):
    mirakl = box.emulators["mirakl"]
    sku = next(iter(mirakl.shop(SHOP).offers))
    client = MiraklClient(box.urls["mirakl"], KEY, shop_id=SHOP)
    sent = []
    client.transport.session.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(response.request)
    )
    page = client.list_listings()
    client.list_listings(page=page.next_page)
    stock = client.push_stock([StockRow(sku, 4), StockRow("NOPE", 1)])
    prices = client.push_prices([PriceRow(sku, Decimal("9.5")), PriceRow("NOPE", 1)])
    for _poll in range(2):
        client.push_status("stock", stock)
        client.push_status("price", prices)
    templates = {
        "/api/offers": "/api/offers",
        STOCK: STOCK,
        f"{STOCK}/{stock}/status": f"{STOCK}/{{import_id}}/status",
        f"{STOCK}/{stock}/error_report": f"{STOCK}/{{import_id}}/error_report",
        PRICING: PRICING,
        f"{PRICING}/{prices}/error_report": f"{PRICING}/{{import_id}}/error_report",
    }
    seen = set()
    for request in sent:
        parts = urlsplit(request.url)
        template = templates[parts.path]
        method = request.method.lower()
        seen.add((template, method))
        declared = spec.parameters(template, method) | PAGINATION
        assert set(parse_qs(parts.query)) <= declared, (template, parts.query)
        if method == "post":
            check_upload(spec, template, request)
    assert {template for template, _method in seen} == set(templates.values())
    assert (PRICING, "get") in seen and (PRICING, "post") in seen


def check_upload(spec, path, request):
    """Multipart field names, and the CSV header, as the operation says."""
    body = spec.deref(spec.operation(path, "post")["requestBody"])
    schema = spec.deref(body["content"]["multipart/form-data"]["schema"])
    fields = multipart_fields(request)
    assert set(schema["required"]) <= set(fields) <= set(schema["properties"])
    rows = list(csv.reader(io.StringIO(fields["file"].decode()), delimiter=";"))
    assert rows[0] == documented_header(spec, path)
    assert all(len(row) == len(rows[0]) for row in rows)
    assert fields["file"].startswith(b'"offer-sku";')  # quoted, as documented


def test_the_client_headers_are_the_documented_ones(spec):
    assert list(STOCK_HEADER) == documented_header(spec, STOCK)
    assert list(PRICE_HEADER) == documented_header(spec, PRICING)
