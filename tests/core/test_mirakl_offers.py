"""Mapping of Mirakl offer records and error reports (no HTTP)."""

from decimal import Decimal

import pytest
from mphub.errors import InvalidPayload
from mphub.mirakl.offers import map_listing, parse_error_report


def test_map_listing_reads_identifiers_quantity_and_price():
    listing = map_listing(
        {
            "offer_id": 2130,
            "shop_sku": "MPH-0001",
            "product_sku": "MKP-1",
            "product_references": [
                {"reference_type": "EAN", "reference": "3760420000017"},
                {"reference_type": "SHOP_SKU", "reference": "x"},
                {"reference_type": "EAN", "reference": "3760420000024"},
            ],
            "quantity": 12,
            "price": 19.9,
            "currency_iso_code": "EUR",
            "state_code": "11",
            "active": True,
            "product_title": "Mug rouge",
        }
    )
    assert listing.sku == "MPH-0001"
    assert listing.eans == ("3760420000017", "3760420000024")
    assert listing.marketplace_product_id == "MKP-1"
    assert listing.external_id == "2130"
    assert listing.quantity == 12
    assert listing.price == Decimal("19.90")
    assert listing.condition == "11"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"quantity": 1}, "shop_sku"),
        ({"shop_sku": "A", "quantity": "many"}, "quantity"),
        ({"shop_sku": "A", "quantity": True}, "quantity"),
        ({"shop_sku": "A", "price": "cheap"}, "price"),
        ("not a record", "object"),
    ],
)
def test_map_listing_names_what_is_broken(record, reason):
    with pytest.raises(InvalidPayload, match=reason):
        map_listing(record)


def test_parse_error_report():
    report = (
        '\ufeff"line-number";"error-message";"offer-sku";"quantity";"update-delete"\n'
        '"2";"The offer does not exist";"MPH-0002";"5";"update"\n'
        '"4";"Quantity must be positive";"MPH-0004";"-1";"update"\n'
    )
    assert parse_error_report(report) == {
        "MPH-0002": "The offer does not exist",
        "MPH-0004": "Quantity must be positive",
    }
    assert parse_error_report("") == {}


def test_parse_error_report_finds_the_columns_by_name_or_place():
    # OF03: the line number and the reason last
    of03 = (
        '"sku";"product-id";"price";"error-line";"error-message"\n'
        '"MPH-0009";"376";"1";"2";"The product does not exist"\n'
    )
    assert parse_error_report(of03) == {"MPH-0009": "The product does not exist"}
    # names unknown: the reason is the second column, as STO03 documents
    unnamed = '"line";"why";"offer-sku";"quantity"\n"2";"Bad quantity";"A";"x"\n'
    assert parse_error_report(unnamed) == {"A": "Bad quantity"}
    # one line per warehouse: the reasons of a SKU are joined
    warehouses = (
        '"line-number";"error-message";"offer-sku";"quantity";"warehouse-code"\n'
        '"2";"Unknown warehouse";"A";"1";"X"\n'
        '"3";"Bad quantity";"A";"-1";"Y"\n'
        '"4";"";"B";"1";""\n'
    )
    assert parse_error_report(warehouses) == {
        "A": "Unknown warehouse; Bad quantity",
        "B": "rejected by the marketplace",
    }
    assert parse_error_report('"line-number";"error-message"\n') == {}


@pytest.mark.parametrize("price", ["12,90 EUR", "NaN", "Infinity", [1]])
def test_map_listing_refuses_prices_that_are_not_amounts(price):
    with pytest.raises(InvalidPayload, match="price"):
        map_listing({"shop_sku": "A", "price": price})
