"""Amazon v0 order mapping and the client-side token buckets."""

from decimal import Decimal

import pytest
from mphub import errors
from mphub.amazon.mapping import map_order
from mphub.amazon.throttle import Throttle, TokenBucket
from mphub.canonical import OrderStatus
from mphub.orders import plan_sale_order


def money(amount):
    return {"CurrencyCode": "EUR", "Amount": amount}


def raw_order(**changes):
    order = {
        "AmazonOrderId": "402-1234567-1234567",
        "PurchaseDate": "2026-11-01T10:15:00Z",
        "LastUpdateDate": "2026-11-01T10:47:12Z",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.fr",
        "MarketplaceId": "A13V1IB3VIYZZH",
        "OrderTotal": money("44.80"),
        "ShippingAddress": {
            "Name": "Jeanne Martin",
            "AddressLine1": "12 rue des Lilas",
            "City": "Lyon",
            "PostalCode": "69003",
            "CountryCode": "FR",
        },
        "BuyerInfo": {"BuyerEmail": "abc@marketplace.amazon.fr"},
        "OrderItems": [
            {
                "ASIN": "B0XXXXXXX1",
                "SellerSKU": "MUG-RED",
                "OrderItemId": "12345678901234",
                "Title": "Red mug",
                "QuantityOrdered": 2,
                "ItemPrice": money("39.80"),
                "ItemTax": money("6.63"),
                "ShippingPrice": money("5.00"),
                "ShippingTax": money("0.83"),
            }
        ],
    }
    order.update(changes)
    return order


def test_taxes_carry_amazons_amounts_and_no_rate():
    (line,) = map_order(raw_order()).lines
    assert [(t.rate, t.amount) for t in line.taxes] == [(None, Decimal("6.63"))]
    assert [(t.rate, t.amount) for t in line.shipping_taxes] == [
        (None, Decimal("0.83"))
    ]
    assert line.tax_rate is None


def test_absent_tax_fields_are_unknown_not_zero():
    raw = raw_order()
    del raw["OrderItems"][0]["ItemTax"], raw["OrderItems"][0]["ShippingTax"]
    (line,) = map_order(raw).lines
    assert line.taxes == () and line.shipping_taxes == ()


def test_negative_prices_are_refused_not_made_positive():
    raw = raw_order()
    raw["OrderItems"][0]["ItemPrice"] = money("-39.80")
    with pytest.raises(errors.InvalidPayload, match="ItemPrice.Amount: must be"):
        map_order(raw)


def test_booleans_given_as_text_are_read_as_such():
    order = map_order(raw_order(IsBusinessOrder="false", IsPrime="true"))
    assert order.extra["is_business_order"] is False
    assert order.extra["is_prime"] is True
    with pytest.raises(errors.InvalidPayload, match="IsBusinessOrder"):
        map_order(raw_order(IsBusinessOrder="maybe"))


def test_cancelled_orders_without_prices_map():
    raw = raw_order(OrderStatus="Canceled")
    del raw["OrderTotal"]
    for key in ("ItemPrice", "ItemTax", "ShippingPrice", "ShippingTax"):
        del raw["OrderItems"][0][key]
    order = map_order(raw)
    assert order.status == OrderStatus.CANCELLED


def test_currency_must_be_iso_4217():
    raw = raw_order(OrderTotal={"CurrencyCode": "EURO", "Amount": "44.80"})
    with pytest.raises(errors.InvalidPayload, match="ISO 4217"):
        map_order(raw)


def test_maps_an_unshipped_order():
    order = map_order(raw_order())
    assert order.status == OrderStatus.TO_SHIP
    assert order.total == Decimal("44.80")
    (line,) = order.lines
    assert line.unit_price == Decimal("19.90") and line.quantity == 2
    assert plan_sale_order(order).expected_total == Decimal("44.80")
    assert order.customer.shipping_address.street == "12 rue des Lilas"


def test_quantity_not_dividing_the_price_keeps_the_total():
    raw = raw_order(OrderTotal=money("15.00"))
    raw["OrderItems"][0].update(
        QuantityOrdered=3,
        ItemPrice=money("10.00"),
        ItemTax=money("1.67"),
    )
    order = map_order(raw)
    plan = plan_sale_order(order)
    assert plan.expected_total == Decimal("15.00")
    # the unit price is rounded up, its extra cents taken off as a discount
    assert order.lines[0].unit_price == Decimal("3.34")
    assert order.lines[0].discount == Decimal("0.02")


def test_business_order_keeps_the_vat_number():
    raw = raw_order(
        IsBusinessOrder=True,
        BuyerInfo={
            "BuyerName": "Achats Pro",
            "BuyerTaxInfo": {
                "CompanyLegalName": "Pro SARL",
                "TaxClassifications": [{"Name": "VATNumber", "Value": "FR40303265045"}],
            },
        },
    )
    order = map_order(raw)
    assert order.customer.vat == "FR40303265045"
    assert order.customer.company == "Pro SARL"


def test_fba_orders_are_prefixed():
    order = map_order(raw_order(FulfillmentChannel="AFN", OrderStatus="Shipped"))
    assert order.marketplace_status == "AFN:Shipped"
    assert order.fulfilled_by_marketplace


def test_pending_order_without_prices():
    raw = raw_order(OrderStatus="Pending")
    del raw["OrderTotal"]
    for key in ("ItemPrice", "ItemTax", "ShippingPrice", "ShippingTax"):
        del raw["OrderItems"][0][key]
    order = map_order(raw)
    assert order.status == OrderStatus.PENDING


def test_strict_on_bad_data():
    raw = raw_order(OrderTotal=money("50.00"))
    with pytest.raises(errors.InvalidPayload, match="OrderTotal"):
        map_order(raw)
    raw = raw_order()
    raw["OrderItems"][0]["QuantityOrdered"] = "two"
    del raw["OrderItems"][0]["SellerSKU"]
    with pytest.raises(errors.InvalidPayload) as err:
        map_order(raw)
    assert len(err.value.reasons) == 2


def test_token_bucket_waits_then_refuses():
    now = [0.0]
    slept = []
    throttle = Throttle(
        rates={"op": (0.5, 2)}, clock=lambda: now[0], sleep=slept.append
    )
    throttle.acquire("op", max_wait=5)
    throttle.acquire("op", max_wait=5)
    throttle.acquire("op", max_wait=5)  # waits 2 s for the third token
    assert slept == [2.0]
    with pytest.raises(errors.ThrottledError) as err:
        throttle.acquire("op", max_wait=1)  # would wait 4 s
    assert err.value.retry_after == 4
    now[0] = 10.0
    throttle.acquire("op", max_wait=0)


def test_bucket_follows_the_announced_rate():
    bucket = TokenBucket(0.5, 30, clock=lambda: 0.0)
    bucket.set_rate("50")
    assert bucket.rate == 50 and bucket.burst == 100
    bucket.set_rate("not a number")
    assert bucket.rate == 50
