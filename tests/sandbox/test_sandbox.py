"""``Sandbox``: every emulator on its own port, started and stopped."""

import socket

import pytest
import requests
from mphub.sandbox import EMULATORS, Sandbox


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_start_populate_stop():
    port = free_port()
    with Sandbox(seed=5, ports={"mirakl": port}, catalog_size=12) as box:
        assert set(box.urls) == set(box.emulators) == set(EMULATORS)
        assert box.urls["mirakl"] == f"http://127.0.0.1:{port}"
        mirakl = box.emulators["mirakl"]
        assert len(mirakl.products) == 12
        box.populate_offers(4, ean_only_share=0.5)
        for shop in mirakl.shops.values():
            assert len(shop.offers) == 4
            assert sum(o.kind == "ean_only" for o in shop.offers.values()) == 2
        box.populate(3, unknown_sku_share=1 / 3)
        for shop in mirakl.shops.values():
            kinds = [mirakl.order_record(i)["kind"] for i in shop.orders]
            assert sorted(kinds) == ["unknown_sku", "valid", "valid"]
        assert requests.get(box.urls["mirakl"] + "/api/version", timeout=5).status_code
    assert box.urls == {}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/version", timeout=5)
    box.stop()  # twice is harmless


def test_a_busy_port_fails_the_start():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        box = Sandbox(ports={"mirakl": busy.getsockname()[1]})
        with pytest.raises(OSError):
            box.start()
        assert box.urls == {}
