"""The offer side of the Mirakl emulator and client against the official
OpenAPI (OF21, STO01-03, PRI01-03)."""

import pytest
import requests
from mphub.mirakl.client import MiraklClient
from mphub.mirakl.offers import PRICE_HEADER, STOCK_HEADER
from mphub.offers import PriceRow, StockRow
from mphub.sandbox import Sandbox

from .conftest import OpenApi, load_contract

KEY = "sandbox-carrefour-key"
SHOP = 2001


@pytest.fixture(scope="module")
def spec():
    return OpenApi(load_contract("mirakl/mirakl-mmp-seller-openapi.json"))


@pytest.fixture(scope="module")
def box():
    with Sandbox(seed=5) as sandbox:
        sandbox.emulators["mirakl"].create_offers(
            SHOP, 30, unknown_sku_share=0.1, ambiguous_share=0.1
        )
        yield sandbox


def get(box, path, **params):
    response = requests.get(
        box.urls["mirakl"] + path,
        params=params,
        headers={"Authorization": KEY},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_of21_answers_match_the_spec(spec, box):
    page = get(box, "/api/offers", max=100)
    assert page["total_count"] == 30
    assert spec.response_errors("/api/offers", "get", page) == []
    assert all(
        ref["reference_type"] == "EAN"
        for o in page["offers"]
        for ref in o["product_references"]
    )


def test_imports_and_their_status_match_the_spec(spec, box):
    client = MiraklClient(box.urls["mirakl"], KEY)
    mirakl = box.emulators["mirakl"]
    sku = next(iter(mirakl.shop(SHOP).offers))
    stock_id = client.push_stock([StockRow(sku, 4), StockRow("NOPE", 1)])
    price_id = client.push_prices([PriceRow(sku, 9), PriceRow("NOPE", 1)])
    for _poll in range(3):
        stock = get(box, f"/api/offers/stock/imports/{stock_id}/status")
        prices = get(box, "/api/offers/pricing/imports", import_id=price_id)
    assert (
        spec.response_errors(
            "/api/offers/stock/imports/{import_id}/status", "get", stock
        )
        == []
    )
    assert spec.response_errors("/api/offers/pricing/imports", "get", prices) == []
    assert stock["status"] == "COMPLETE" and stock["lines_in_error"] == 1
    assert prices["data"][0]["lines_in_success"] == 1
    # the 201 bodies of STO01 and PRI01
    for path, header in (
        ("/api/offers/stock/imports", STOCK_HEADER),
        ("/api/offers/pricing/imports", PRICE_HEADER),
    ):
        content = (";".join(f'"{h}"' for h in header) + "\n").encode()
        response = requests.post(
            box.urls["mirakl"] + path,
            headers={"Authorization": KEY},
            files={"file": ("f.csv", content, "text/csv")},
            timeout=10,
        )
        assert response.status_code == 201
        assert spec.response_errors(path, "post", response.json(), status="201") == []
        # the multipart field the client sends is the spec's
        body = spec.deref(spec.operation(path, "post")["requestBody"])
        schema = spec.deref(body["content"]["multipart/form-data"]["schema"])
        assert schema["required"] == ["file"]
    # the error reports are CSV
    status = client.push_status("stock", stock_id)
    assert status.errors == {"NOPE": "The offer with SKU 'NOPE' does not exist"}
    assert (
        "text/csv"
        in spec.spec["paths"]["/api/offers/stock/imports/{import_id}/error_report"][
            "get"
        ]["responses"]["200"]["content"]
    )


def test_of24_and_of02_match_the_spec(spec, box):
    body = {
        "offers": [
            {
                "shop_sku": "MPH-OF24",
                "product_id": "3760000000001",
                "product_id_type": "EAN",
                "price": 12.5,
                "quantity": 3,
                "state_code": "11",
                "update_delete": "update",
            }
        ]
    }
    assert spec.request_errors("/api/offers", "post", body) == []
    response = requests.post(
        box.urls["mirakl"] + "/api/offers",
        json=body,
        headers={"Authorization": KEY},
        timeout=10,
    )
    assert response.status_code == 201
    created = response.json()
    assert spec.response_errors("/api/offers", "post", created, status="201") == []
    status = get(box, f"/api/offers/imports/{created['import_id']}")
    assert spec.response_errors("/api/offers/imports/{import}", "get", status) == []
