"""What a client knows of its marketplace's payloads (mphub.client): the
addons ask it, never reading a marketplace's keys themselves."""

from datetime import timedelta

import pytest
from mphub.canonical import OrderStatus
from mphub.client import CAPABILITIES, MarketplaceClient
from mphub.mirakl.client import MiraklClient

from .mirakl_samples import order


class Minimal(MarketplaceClient):
    """A client with the verbs only: the interface's defaults."""

    def external_id(self, raw):
        return raw.get("id")

    def test_connection(self):
        return {"name": "minimal"}

    def list_orders(self, updated_since, page=None, updated_before=None):
        raise NotImplementedError

    def get_orders(self, external_ids):
        return []

    def map_order(self, raw):
        raise NotImplementedError

    def accept_order(self, external_id, decisions, raw=None):
        raise NotImplementedError

    def ship_order(self, external_id, shipment):
        raise NotImplementedError


def test_defaults():
    client = Minimal()
    assert client.import_lag == timedelta(0)
    assert client.ships_per_delivery is False
    assert client.capabilities == frozenset()
    assert client.raw_state({"state": "x"}) == (None, None)


def test_external_id_is_required():
    verbs = ("test_connection", "list_orders", "get_orders", "map_order")
    verbs += ("accept_order", "ship_order")
    mute = type(
        "Mute", (MarketplaceClient,), {name: getattr(Minimal, name) for name in verbs}
    )
    with pytest.raises(TypeError, match="external_id"):
        mute()


@pytest.fixture
def mirakl():
    client = MiraklClient("http://127.0.0.1:9", "key")
    yield client
    client.close()


def test_mirakl_external_id(mirakl):
    assert mirakl.external_id(order()) == "MKP-000123-A"
    for broken in ({}, {"order_id": ""}, {"order_id": 123}, [], None, "MKP-1"):
        assert mirakl.external_id(broken) is None


def test_mirakl_raw_state(mirakl):
    assert mirakl.raw_state(order()) == (
        OrderStatus.WAITING_ACCEPTANCE,
        "WAITING_ACCEPTANCE",
    )
    # read without mapping: a closed order without its customer still says
    closed = order(order_state="CLOSED")
    del closed["customer"]
    assert mirakl.raw_state(closed) == (OrderStatus.DELIVERED, "CLOSED")
    assert mirakl.raw_state(order(order_state="NOT_A_STATE")) == (
        None,
        "NOT_A_STATE",
    )
    assert mirakl.raw_state({"order_state": 7}) == (None, None)
    assert mirakl.raw_state(None) == (None, None)


def test_mirakl_marketplace(mirakl):
    assert mirakl.import_lag == timedelta(0)
    assert mirakl.ships_per_delivery is False
    assert mirakl.capabilities <= CAPABILITIES
    assert {"accept", "ship", "listings", "push_stock", "push_prices"} <= (
        mirakl.capabilities
    )
    assert "carriers" in mirakl.capabilities and hasattr(mirakl, "list_carriers")
    assert "push_offers" not in mirakl.capabilities and not mirakl.pushes_both
