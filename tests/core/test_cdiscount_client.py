"""The Cdiscount client facade: one account type, two API generations."""

from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.cdiscount.client import CdiscountClient
from mphub.cdiscount.common import tracking_link
from mphub.cdiscount.rest import OctopiaRest
from mphub.client import CAPABILITIES
from mphub.errors import ConfigError, InvalidPayload

from .cdiscount_samples import rest_order, rest_two_lines, soap_order, soap_two_lines

REST_SETTINGS = {
    "api_url": "http://127.0.0.1:9/seller/v2",
    "auth_url": "http://127.0.0.1:9/auth/realms/maas/protocol/openid-connect/token",
    "client_id": "client",
    "client_secret": "secret",
    "seller_id": "98979",
}
SOAP_SETTINGS = {
    "soap_url": "http://127.0.0.1:9/MarketplaceAPIService.svc",
    "sts_url": "http://127.0.0.1:9/users/httpIssue.svc/",
    "login": "seller-api",
    "password": "password",
}


@pytest.fixture
def rest():
    client = CdiscountClient("rest", **REST_SETTINGS)
    yield client
    client.close()


@pytest.fixture
def soap():
    client = CdiscountClient("soap", **SOAP_SETTINGS)
    yield client
    client.close()


def test_the_generation_picks_the_api(rest, soap):
    from mphub.cdiscount.soap import CdiscountSoap

    assert isinstance(rest.api, OctopiaRest) and rest.generation == "rest"
    assert isinstance(soap.api, CdiscountSoap) and soap.generation == "soap"
    assert rest.transport is rest.api.transport


def test_default_generation_is_rest():
    client = CdiscountClient(**REST_SETTINGS)
    assert client.generation == "rest"
    client.close()


def test_an_unknown_generation_is_a_config_error():
    with pytest.raises(ConfigError, match="Unknown Cdiscount API"):
        CdiscountClient("ftp", **REST_SETTINGS)


def test_facts(rest, soap):
    for client in (rest, soap):
        assert client.capabilities <= CAPABILITIES
        assert {"accept", "ship", "listings", "push_offers", "push_status"} <= (
            client.capabilities
        )
        assert client.pushes_both and client.max_push_rows == 5000
    # REST declares each delivery's lines, SOAP ships whole orders
    assert rest.ships_per_delivery and not soap.ships_per_delivery
    assert not rest.complete_offer_rows


@pytest.mark.parametrize("generation", ["rest", "soap"])
def test_orders_map_by_their_shape_whatever_the_generation(generation, rest, soap):
    client = rest if generation == "rest" else soap
    rest_order_, soap_order_ = rest_two_lines(), soap_two_lines()
    from_rest, from_soap = client.map_order(rest_order_), client.map_order(soap_order_)
    assert from_rest.external_id == from_soap.external_id == "2503011015ABCDE"
    assert client.external_id(rest_order_) == client.external_id(soap_order_)
    assert from_rest.status == from_soap.status == OrderStatus.WAITING_ACCEPTANCE
    assert client.raw_state(rest_order_) == (
        OrderStatus.WAITING_ACCEPTANCE,
        "WaitingAcceptance",
    )
    assert client.raw_state(soap_order_) == (
        OrderStatus.WAITING_ACCEPTANCE,
        "WaitingForSellerAcceptation",
    )
    # the same decisions on both: VAT from Odoo, unit prices to the cent
    for order in (from_rest, from_soap):
        assert order.currency == "EUR" and order.tax_included
        assert all(line.taxes == () for line in order.lines)
        blue = order.lines[1]
        assert (blue.unit_price, blue.discount) == (Decimal("13.27"), Decimal("0.01"))


def test_fulfilment_states_are_prefixed_on_both_shapes(rest):
    shipped = rest_order(status="Shipped", supplyMode="Fulfillment")
    assert rest.raw_state(shipped) == (OrderStatus.SHIPPED, "FBC:Shipped")
    soap = soap_order(OrderState="Shipped", IsCLogistiqueOrder=True)
    assert rest.raw_state(soap) == (OrderStatus.SHIPPED, "FBC:Shipped")


def test_unreadable_payloads(rest):
    for raw in (None, "text", [], {}):
        assert rest.external_id(raw) is None
        assert rest.raw_state(raw) == (None, None)
        with pytest.raises(InvalidPayload):
            rest.map_order(raw)
    assert rest.listing_parts("garbage").sku == ""


@pytest.mark.parametrize(
    "template, number, link",
    [
        ("https://t.example/?code={parcel}", "6A1", "https://t.example/?code=6A1"),
        ("https://t.example/{Tracking}/x", "A B", "https://t.example/A%20B/x"),
        (
            "https://t.example/suivre.do?colispart=",
            "6A1",
            "https://t.example/suivre.do?colispart=6A1",
        ),
        ("https://t.example/?code={parcel}", " ", None),
        (None, "6A1", None),
        ("", "6A1", None),
    ],
)
def test_tracking_link(template, number, link):
    assert tracking_link(template, number) == link
