"""Amazon Orders API v2026-01-01 order mapping: the same canonical order as
the v0 mapping gives for the same order, as strict."""

import copy
from decimal import Decimal

import pytest
from mphub import errors
from mphub.amazon import mapping, mapping_2026
from mphub.canonical import OrderStatus
from mphub.orders import plan_sale_order

from .test_amazon_mapping import raw_order as raw_v0


def money(amount, currency="EUR"):
    return {"amount": amount, "currencyCode": currency}


def breakdown(kind, amount, **details):
    entry = {"type": kind, "subtotal": money(amount)}
    if details:
        entry["detailedBreakdowns"] = [
            {"subtype": subtype, "value": money(value)}
            for subtype, value in details.items()
        ]
    return entry


def raw_order(net=False, **changes):
    """The order of ``test_amazon_mapping.raw_order`` as searchOrders gives
    it: VAT included (EU), or ``net`` of VAT with TAX on top."""
    amounts = ("33.17", "4.17") if net else ("39.80", "5.00")
    order = {
        "orderId": "402-1234567-1234567",
        "createdTime": "2026-11-01T10:15:00Z",
        "lastUpdatedTime": "2026-11-01T10:47:12Z",
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": "A13V1IB3VIYZZH",
            "marketplaceName": "Amazon.fr",
        },
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "proceeds": {"grandTotal": money("44.80")},
        "recipient": {
            "deliveryAddress": {
                "name": "Jeanne Martin",
                "addressLine1": "12 rue des Lilas",
                "city": "Lyon",
                "postalCode": "69003",
                "countryCode": "FR",
            }
        },
        "buyer": {"buyerEmail": "abc@marketplace.amazon.fr"},
        "orderItems": [
            {
                "orderItemId": "12345678901234",
                "quantityOrdered": 2,
                "product": {
                    "asin": "B0XXXXXXX1",
                    "sellerSku": "MUG-RED",
                    "title": "Red mug",
                    "price": {"unitPrice": money("19.90")},
                },
                "proceeds": {
                    "proceedsTotal": money("44.80"),
                    "breakdowns": [
                        breakdown("ITEM", amounts[0]),
                        breakdown("SHIPPING", amounts[1]),
                        breakdown("TAX", "7.46", ITEM="6.63", SHIPPING="0.83"),
                    ],
                },
                "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 2},
            }
        ],
    }
    order.update(changes)
    return order


def item(raw, index=0):
    return raw["orderItems"][index]


def set_breakdowns(raw, *entries, index=0):
    item(raw, index)["proceeds"]["breakdowns"] = list(entries)


@pytest.mark.parametrize("net", [False, True])
def test_the_same_canonical_order_as_v0(net):
    order = mapping_2026.map_order(raw_order(net=net))
    assert order == mapping.map_order(raw_v0())
    assert order.status == OrderStatus.TO_SHIP
    assert order.marketplace_status == "Unshipped"
    (line,) = order.lines
    assert line.unit_price == Decimal("19.90") and line.total == Decimal("39.80")
    assert [t.amount for t in line.taxes] == [Decimal("6.63")]
    assert [t.amount for t in line.shipping_taxes] == [Decimal("0.83")]
    assert plan_sale_order(order).expected_total == Decimal("44.80")


def test_a_zero_vat_item_does_not_decide_the_reading():
    # a book without VAT and a mug with VAT on top: the order is net of VAT
    raw = raw_order(net=True)
    raw["proceeds"]["grandTotal"] = money("54.80")
    book = copy.deepcopy(item(raw))
    book.update(orderItemId="2", product={"sellerSku": "BOOK-1", "title": "Book"})
    book["proceeds"]["breakdowns"] = [breakdown("ITEM", "10.00")]
    raw["orderItems"].append(book)
    order = mapping_2026.map_order(raw)
    mug, book = order.lines
    assert mug.total == Decimal("39.80") and book.total == Decimal("10.00")
    assert order.total == Decimal("54.80")
    assert plan_sale_order(order).expected_total == Decimal("54.80")


def test_the_line_total_is_the_item_proceeds_not_unit_price_times_quantity():
    # a quantity price: 3 for 10.00, unit price 3.90
    raw = raw_order(proceeds={"grandTotal": money("15.00")})
    item(raw).update(quantityOrdered=3)
    item(raw)["product"]["price"] = {"unitPrice": money("3.90")}
    set_breakdowns(
        raw,
        breakdown("ITEM", "10.00"),
        breakdown("SHIPPING", "5.00"),
        breakdown("TAX", "2.50", ITEM="1.67", SHIPPING="0.83"),
    )
    (line,) = mapping_2026.map_order(raw).lines
    assert line.total == Decimal("10.00")
    # as in v0: the unit price rounded up, the extra cents a discount
    assert line.unit_price == Decimal("3.34") and line.discount == Decimal("0.02")


@pytest.mark.parametrize(
    ("status", "by", "code", "canonical"),
    [
        (
            "PENDING_AVAILABILITY",
            "MERCHANT",
            "PendingAvailability",
            OrderStatus.PENDING,
        ),
        ("PENDING", "MERCHANT", "Pending", OrderStatus.PENDING),
        ("UNSHIPPED", "MERCHANT", "Unshipped", OrderStatus.TO_SHIP),
        ("PARTIALLY_SHIPPED", "MERCHANT", "PartiallyShipped", OrderStatus.TO_SHIP),
        ("SHIPPED", "AMAZON", "AFN:Shipped", OrderStatus.SHIPPED),
        ("CANCELLED", "MERCHANT", "Canceled", OrderStatus.CANCELLED),
        ("CANCELLED", "AMAZON", "AFN:Canceled", OrderStatus.CANCELLED),
        ("UNFULFILLABLE", "MERCHANT", "Unfulfillable", OrderStatus.CANCELLED),
    ],
)
def test_statuses_in_the_account_s_vocabulary(status, by, code, canonical):
    raw = raw_order(fulfillment={"fulfillmentStatus": status, "fulfilledBy": by})
    assert mapping_2026.marketplace_status(raw) == code
    assert mapping_2026.raw_status(raw) == canonical
    order = mapping_2026.map_order(raw)
    assert (order.marketplace_status, order.status) == (code, canonical)
    assert order.fulfilled_by_marketplace == (by == "AMAZON")
    assert order.extra["fulfillment_channel"] == ("AFN" if by == "AMAZON" else "MFN")


def test_unknown_statuses_are_refused():
    raw = raw_order(fulfillment={"fulfillmentStatus": "CANCELED"})  # one L
    assert mapping_2026.raw_status(raw) is None
    with pytest.raises(errors.InvalidPayload, match="fulfillmentStatus: unknown"):
        mapping_2026.map_order(raw)


def test_statuses_and_amounts_need_their_datasets():
    raw = raw_order()
    del raw["fulfillment"], raw["proceeds"], item(raw)["proceeds"]
    assert mapping_2026.raw_status(raw) is None
    with pytest.raises(errors.InvalidPayload) as err:
        mapping_2026.map_order(raw)
    assert err.value.reasons == [
        "fulfillment: missing",
        "proceeds.grandTotal: missing",
        "orderItems[0].proceeds: missing",
    ]


@pytest.mark.parametrize("status", ["PENDING", "CANCELLED"])
def test_pending_and_cancelled_orders_without_amounts_map(status):
    raw = raw_order(fulfillment={"fulfillmentStatus": status})
    del raw["proceeds"], item(raw)["proceeds"]
    order = mapping_2026.map_order(raw)
    assert order.total is None
    assert order.lines[0].unit_price == 0 and order.lines[0].taxes == ()


def test_business_order_fields_moved():
    raw = raw_order(
        programs=["AMAZON_BUSINESS", "PRIME"],
        orderAliases=[{"aliasId": "SO-77", "aliasType": "SELLER_ORDER_ID"}],
        associatedOrders=[
            {
                "orderId": "402-1111111-1111111",
                "associationType": "REPLACEMENT_ORIGINAL_ID",
            }
        ],
        buyer={
            "buyerName": "Achats Pro",
            "buyerEmail": "pro@marketplace.amazon.fr",
            "buyerCompanyName": "Pro",
            "buyerPurchaseOrderNumber": "PO-42",
        },
        tax={
            "taxRegistrations": [
                {
                    "entityType": "BUYER",
                    "taxRegistrationType": "VAT",
                    "taxRegistrationNumber": "FR40303265045",
                    "legalName": "Pro SARL",
                }
            ]
        },
    )
    order = mapping_2026.map_order(raw)
    assert order.customer.vat == "FR40303265045"
    assert order.customer.company == "Pro SARL"
    assert order.customer.name == "Achats Pro"
    assert order.reference == "SO-77"
    assert order.extra["is_business_order"] and order.extra["is_prime"]
    assert order.extra["purchase_order_number"] == "PO-42"
    assert order.extra["replaced_order_id"] == "402-1111111-1111111"
    # v0 gives the same order from its own fields
    v0 = raw_v0(
        IsBusinessOrder=True,
        IsPrime=True,
        SellerOrderId="SO-77",
        IsReplacementOrder="true",
        ReplacedOrderId="402-1111111-1111111",
        BuyerInfo={
            "BuyerName": "Achats Pro",
            "BuyerEmail": "pro@marketplace.amazon.fr",
            "PurchaseOrderNumber": "PO-42",
            "BuyerTaxInfo": {
                "CompanyLegalName": "Pro SARL",
                "TaxClassifications": [{"Name": "VATNumber", "Value": "FR40303265045"}],
            },
        },
    )
    assert mapping.map_order(v0) == order


def test_gift_wrapping_and_message_as_in_v0():
    raw = raw_order(proceeds={"grandTotal": money("48.30")})
    set_breakdowns(
        raw,
        breakdown("ITEM", "39.80"),
        breakdown("SHIPPING", "5.00"),
        breakdown("GIFT_WRAP", "3.50"),
        breakdown("TAX", "8.04", ITEM="6.63", SHIPPING="0.83", GIFT_WRAP="0.58"),
    )
    item(raw)["fulfillment"]["packing"] = {
        "giftOption": {
            "giftMessage": "Joyeux anniversaire !",
            "giftWrapLevel": "Classic",
        }
    }
    order = mapping_2026.map_order(raw)
    v0 = raw_v0(OrderTotal={"CurrencyCode": "EUR", "Amount": "48.30"})
    v0["OrderItems"][0]["BuyerInfo"] = {
        "GiftWrapPrice": {"CurrencyCode": "EUR", "Amount": "3.50"},
        "GiftWrapTax": {"CurrencyCode": "EUR", "Amount": "0.58"},
        "GiftMessageText": "Joyeux anniversaire !",
    }
    assert order == mapping.map_order(v0)
    (line,) = plan_sale_order(order).gift_wrap_lines
    assert line.price_unit == Decimal("3.50")


def promotion_orders(item_discount, shipping_discount, tax):
    """A promotion as v2026 gives it (one DISCOUNT, one discount tax) and as
    v0 gives it (promotion and shipping discount, each with its tax)."""
    total = Decimal("44.80") - Decimal(item_discount) - Decimal(shipping_discount)
    raw = raw_order(proceeds={"grandTotal": money(str(total))})
    details = {}
    if Decimal(item_discount):
        details["ITEM"] = f"-{item_discount}"
    if Decimal(shipping_discount):
        details["SHIPPING"] = f"-{shipping_discount}"
    discount = -(Decimal(item_discount) + Decimal(shipping_discount))
    taxes = Decimal("7.46") - Decimal(sum(Decimal(t) for t in tax))
    set_breakdowns(
        raw,
        breakdown("ITEM", "39.80"),
        breakdown("SHIPPING", "5.00"),
        breakdown("DISCOUNT", str(discount), **details),
        breakdown(
            "TAX",
            str(taxes),
            ITEM="6.63",
            SHIPPING="0.83",
            DISCOUNT=str(-sum(Decimal(t) for t in tax)),
        ),
    )
    item(raw)["promotion"] = {"breakdowns": [{"promotionId": "PROMO-1"}]}
    v0 = raw_v0(OrderTotal={"CurrencyCode": "EUR", "Amount": str(total)})
    v0["OrderItems"][0].update(
        PromotionIds=["PROMO-1"],
        PromotionDiscount={"CurrencyCode": "EUR", "Amount": f"-{item_discount}"},
        PromotionDiscountTax={"CurrencyCode": "EUR", "Amount": f"-{tax[0]}"},
        ShippingDiscount={"CurrencyCode": "EUR", "Amount": f"-{shipping_discount}"},
        ShippingDiscountTax={"CurrencyCode": "EUR", "Amount": f"-{tax[1]}"},
    )
    return raw, v0


def test_a_promotion_with_its_discount_tax_as_in_v0():
    raw, v0 = promotion_orders("3.98", "0", ("0.66", "0"))
    order = mapping_2026.map_order(raw)
    assert order == mapping.map_order(v0)
    (line,) = order.lines
    assert line.discount == Decimal("3.98")
    assert [t.amount for t in line.discount_taxes] == [Decimal("0.66")]
    assert order.extra["promotion_ids"] == ["PROMO-1"]
    assert plan_sale_order(order).expected_total == Decimal("40.82")


def test_a_shipping_discount_with_its_tax_as_in_v0():
    raw, v0 = promotion_orders("0", "5.00", ("0", "0.83"))
    order = mapping_2026.map_order(raw)
    assert order == mapping.map_order(v0)
    (line,) = order.lines
    assert line.shipping_price == 0
    assert [t.amount for t in line.shipping_taxes] == [Decimal("0")]


def test_both_discounts_keep_the_total_and_derive_no_vat():
    raw, _v0 = promotion_orders("3.98", "5.00", ("0.66", "0.83"))
    order = mapping_2026.map_order(raw)
    (line,) = order.lines
    assert order.total == Decimal("35.82")
    assert plan_sale_order(order).expected_total == Decimal("35.82")
    # one discount tax for both: not split, the books choose the VAT
    assert line.discount == Decimal("3.98") and line.discount_taxes == ()
    assert line.shipping_price == 0 and line.shipping_taxes == ()


def test_negative_item_amounts_are_refused_discounts_taken_whatever_their_sign():
    raw, _v0 = promotion_orders("3.98", "0", ("0.66", "0"))
    discount = item(raw)["proceeds"]["breakdowns"][2]
    discount["subtotal"]["amount"] = "3.98"
    discount["detailedBreakdowns"][0]["value"]["amount"] = "3.98"
    assert mapping_2026.map_order(raw).lines[0].discount == Decimal("3.98")
    item(raw)["proceeds"]["breakdowns"][0]["subtotal"]["amount"] = "-39.80"
    with pytest.raises(errors.InvalidPayload) as err:
        mapping_2026.map_order(raw)
    assert err.value.reasons == [
        "orderItems[0].proceeds.breakdowns[0].subtotal.amount: must be at least 0, "
        "got '-39.80'"
    ]


def test_a_grand_total_matching_no_reading_is_refused():
    raw = raw_order(proceeds={"grandTotal": money("50.00")})
    with pytest.raises(errors.InvalidPayload, match="proceeds.grandTotal: 50.00"):
        mapping_2026.map_order(raw)


def test_the_delivery_tip_is_not_the_seller_s():
    raw = raw_order(
        proceeds={
            "grandTotal": money("49.80"),
            "breakdowns": [
                breakdown("ITEM", "39.80"),
                {
                    "type": "DELIVERY_TIP",
                    "status": "FINALIZED",
                    "subtotal": money("5.00"),
                },
            ],
        }
    )
    assert mapping_2026.map_order(raw).total == Decimal("44.80")


def test_every_reason_with_its_field():
    raw = raw_order()
    item(raw)["quantityOrdered"] = "two"
    del item(raw)["product"]["sellerSku"]
    item(raw)["proceeds"]["breakdowns"][2]["detailedBreakdowns"][0]["value"] = money(
        "6.00"
    )
    with pytest.raises(errors.InvalidPayload) as err:
        mapping_2026.map_order(raw)
    assert err.value.reasons == [
        "orderItems[0].proceeds.breakdowns[2].detailedBreakdowns: add up to 6.83, "
        "not the subtotal 7.46",
        "orderItems[0].quantityOrdered: expected a whole number, got 'two'",
        "orderItems[0].product.sellerSku: missing",
    ]


def test_tax_on_top_that_cannot_be_placed_is_refused():
    raw = raw_order(net=True)
    item(raw)["proceeds"]["breakdowns"][2] = breakdown("TAX", "7.46")
    with pytest.raises(errors.InvalidPayload, match="cannot be put on the item"):
        mapping_2026.map_order(raw)
    # VAT included, the amounts need no split: its VAT is unknown, not zero
    raw = raw_order()
    item(raw)["proceeds"]["breakdowns"][2] = breakdown("TAX", "7.46")
    (line,) = mapping_2026.map_order(raw).lines
    assert line.taxes == () and line.shipping_taxes == ()


def test_currency_must_be_iso_4217():
    raw = raw_order(proceeds={"grandTotal": money("44.80", "EURO")})
    with pytest.raises(errors.InvalidPayload, match="ISO 4217"):
        mapping_2026.map_order(raw)


def test_delivery_preferences_and_address_type():
    raw = raw_order()
    raw["recipient"]["deliveryPreference"] = {
        "addressInstruction": "Code 1234",
        "dropOffLocation": "Front door",
    }
    raw["recipient"]["deliveryAddress"]["addressType"] = "COMMERCIAL"
    address = mapping_2026.map_order(raw).customer.shipping_address
    assert address.additional_info == "Code 1234\nFront door"
    assert address.address_type == "commercial"


def test_the_buyer_s_cancellation_request():
    raw = raw_order()
    item(raw)["cancellation"] = {
        "cancellationRequest": {"requester": "BUYER", "cancelReason": "Changed mind"}
    }
    extra = mapping_2026.map_order(raw).extra
    assert extra["buyer_cancel_requested"] is True
    assert extra["buyer_cancel_reason"] == "Changed mind"
    assert mapping_2026.map_order(raw_order()).extra["buyer_cancel_requested"] is False


def test_shape_of_the_payload():
    assert mapping_2026.is_v2026(raw_order())
    assert not mapping_2026.is_v2026(raw_v0())
    assert not mapping_2026.is_v2026(["orderId"])
