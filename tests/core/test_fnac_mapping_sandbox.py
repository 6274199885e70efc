"""The Fnac mapper on what the emulator answers over HTTP: 300 orders of
every kind (valid, unknown SKUs, malformed), state, relay points, companies
and refused lines, each mapped to the emulator's own record of it, to the
cent, and every malformed one refused with its reason."""

from decimal import Decimal

import pytest
from mphub.errors import InvalidPayload
from mphub.fnac.mapping import map_order
from mphub.orders import plan_sale_order
from mphub.sandbox.fnac import FnacEmulator
from mphub.sandbox.server import EmulatorServer

from tests.core.fnac_samples import VARIETY, RawShop

COUNT = 300


@pytest.fixture(scope="module")
def shop():
    emulator = FnacEmulator(seed=7)
    server = EmulatorServer(emulator).start()
    shop_id, _name, key = emulator.shop_specs[0][:3]
    emulator.create_orders(shop_id, COUNT, **VARIETY)
    raw = RawShop(server.url, emulator.partner_id, shop_id, key)
    try:
        yield emulator, shop_id, raw.orders(results_count="100")
    finally:
        server.stop()


def test_every_order_is_read(shop):
    emulator, shop_id, orders = shop
    assert len(orders) == COUNT
    assert len({o["order_id"] for o in orders}) == COUNT


def test_each_valid_order_maps_to_the_emulators_record(shop):
    emulator, shop_id, orders = shop
    kinds = {}
    for raw in orders:
        record = emulator.order_record(shop_id, raw["order_id"])
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
        if record["kind"] == "malformed":
            continue
        order = map_order(raw)
        assert order.marketplace_status == record["state"]
        assert order.total == Decimal(record["total"]), record
        assert order.shipping_total == Decimal(record["shipping_total"])
        commission = record["commission"]  # the live lines' fees (or the order's)
        assert order.commission_total == (Decimal(commission) if commission else None)
        assert plan_sale_order(order).expected_total == order.total
        lines = {line.external_id: line for line in order.lines}
        for expected in record["lines"]:
            line = lines[expected["line_id"]]
            assert (line.sku, line.active) == (expected["sku"], expected["active"])
            if expected["active"]:
                assert line.quantity == expected["quantity"]
                assert line.unit_price == Decimal(expected["unit_price"])
                assert line.shipping_price == Decimal(expected["shipping"])
        assert (order.shipping_method == "55") == bool(record["relay"])
    assert kinds == {"valid": 240, "unknown_sku": 30, "malformed": 30}


def test_every_malformed_order_is_refused_with_its_reason(shop):
    emulator, shop_id, orders = shop
    defects = set()
    for raw in orders:
        record = emulator.order_record(shop_id, raw["order_id"])
        if record["kind"] != "malformed":
            continue
        with pytest.raises(InvalidPayload) as caught:
            map_order(raw)
        assert caught.value.reasons
        defects.add(record["defect"])
    assert len(defects) >= 5


def test_the_variety_reaches_the_mapping(shop):
    emulator, shop_id, orders = shop
    mapped = []
    for raw in orders:
        try:
            mapped.append(map_order(raw))
        except InvalidPayload:
            continue
    states = {order.marketplace_status for order in mapped}
    assert {"Created", "Accepted", "ToShip", "Shipped", "Received"} <= states
    assert any(not line.active for order in mapped for line in order.lines)
    relays = [o for o in mapped if o.shipping_method == "55"]
    assert relays and all(o.customer.shipping_address.company for o in relays)
    assert all(o.extra["relay_id"] for o in relays)
    assert any(o.customer.vat or o.customer.company for o in mapped)
    assert any(" " not in o.customer.name for o in mapped)  # empty first names
    assert {o.customer.shipping_address.country_code for o in mapped} >= {"FR"}
