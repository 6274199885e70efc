"""P11 of the Mirakl emulator and client against the official seller
OpenAPI: the answers validate against P11's response schema, the client's
query parameters are those P11 declares."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mphub.mirakl.client import MiraklClient
from mphub.sandbox import Sandbox, catalog

from .conftest import OpenApi, load_contract

KEY = "sandbox-carrefour-key"
SEED = 5
PATH = "/api/products/offers"
PAGINATION = {"max", "offset", "sort"}  # the offset pagination P11 supports


@pytest.fixture(scope="module")
def spec():
    return OpenApi(load_contract("mirakl/mirakl-mmp-seller-openapi.json"))


@pytest.fixture
def box():
    with Sandbox(seed=SEED) as sandbox:
        sandbox.emulators["mirakl"].create_offers(2001, 20, quantity=3)
        sandbox.emulators["mirakl"].create_offers(2002, 10, quantity=0)
        yield sandbox


@pytest.mark.parametrize(
    "params",
    [
        {"max": 100},
        {"all_offers": "true", "max": 100},
        {"shipping_zones": "FR-CORSE", "pricing_channel_code": "FR"},
        {"sort": "bestEvaluation", "offset": 2, "max": 3},
    ],
)
def test_p11_answers_validate(box, spec, params):
    eans = [catalog.product(SEED, i)["ean"] for i in range(40)]
    response = requests.get(
        box.urls["mirakl"] + PATH,
        params={"product_references": ",".join(f"EAN|{e}" for e in eans), **params},
        headers={"Authorization": KEY},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert sum(len(p["offers"]) for p in body["products"]) > 20
    assert spec.response_errors(PATH, "get", body) == []


def test_the_client_sends_declared_parameters_only(box, spec):
    sent = []
    client = MiraklClient(box.urls["mirakl"], KEY, shop_id="2001", timeout=10)
    client.transport.session.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(response.request.url)
    )
    eans = [catalog.product(SEED, i)["ean"] for i in range(5)]
    client.competitor_offers([*eans, ("SKU", "MKP00000007")])
    declared = spec.parameters(PATH, "get") | PAGINATION
    assert sent
    for url in sent:
        assert urlsplit(url).path == PATH
        assert set(parse_qs(urlsplit(url).query)) <= declared
