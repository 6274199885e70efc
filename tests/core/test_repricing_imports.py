"""Competitor prices imported from CSV and XLSX files."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from mphub.errors import InvalidPayload
from mphub.repricing.imports import import_csv, import_file, parse_decimal

FRENCH = (
    "EAN;Vendeur;Prix;Frais de port;État;Expédition;Note;Nombre d'avis;Mis en avant\n"
    "3700000000011;Shop A;19,90;2,99;11;vendeur;4,8;1 204;oui\n"
    "3700000000011;Shop B;1 019,50 €;;11;FBA;;;non\n"
    "3700000000028;Shop A;abc;0;11;;;;\n"
    "3700000000028;;12.00;0;11;;;;\n"
    "3700000000028;Shop C;12.00;0;11;drone;;;\n"
    ";;;;;;;;\n"
    "3700000000028;Shop D;12.00;0;11;;5;3.5;\n"
)


def test_french_csv_with_bad_rows_kept_and_others_read():
    result = import_csv(FRENCH.encode("cp1252", errors="replace"))
    assert [p.reference for p in result.products] == ["3700000000011"]
    product = result.products[0]
    assert product.reference_type == "Ean"
    first, second = product.offers
    assert (first.seller, first.price, first.shipping) == (
        "Shop A",
        D("19.90"),
        D("2.99"),
    )
    assert (first.rating, first.rating_count, first.featured) == (D("4.8"), 1204, True)
    assert first.fulfilment == "merchant"
    assert (second.price, second.shipping, second.fulfilment) == (
        D("1019.50"), D("0.00"), "marketplace",
    )  # fmt: skip
    reasons = {number: reason for number, _row, reason in result.errors}
    assert reasons == {
        4: "'abc' is not a number",
        5: "seller is missing",
        6: "unknown fulfilment 'drone'",
        8: "rating count 3.5 is not a whole number",
    }
    assert result.errors[0][1][:3] == ["3700000000028", "Shop A", "abc"]


def test_english_comma_separated_with_thousands():
    text = 'sku,seller,price,featured\nA-1,X,"1,234.50",yes\nA-1,Y,9.5,\n'
    result = import_csv(text)
    assert not result.errors
    (product,) = result.products
    assert product.reference_type == "Sku"
    assert [o.price for o in product.offers] == [D("1234.50"), D("9.50")]


def test_header_without_price_is_refused():
    with pytest.raises(InvalidPayload):
        import_csv("sku;seller\nA;B\n")
    with pytest.raises(InvalidPayload):
        import_csv(b"")


def test_xlsx_with_numbers_and_texts():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SKU", "Seller", "Price", "Shipping", "Rating count"])
    sheet.append(["B-2", "Shop", 12.5, "3,10", 40])
    sheet.append(["B-2", "Shop 2", None, 0, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_file(buffer.getvalue(), "prices.XLSX")
    (offer,) = result.products[0].offers
    assert (offer.price, offer.shipping, offer.rating_count) == (
        D("12.50"), D("3.10"), 40,
    )  # fmt: skip
    assert [(n, reason) for n, _row, reason in result.errors] == [
        (3, "price is missing")
    ]
    with pytest.raises(InvalidPayload):
        import_file(b"not a zip", "x.xlsx")


@pytest.mark.parametrize(
    ("text", "value"),
    [("19,90", "19.90"), ("19.90", "19.90"), ("1.234,5", "1234.5"), (" 7 ", "7")],
)
def test_parse_decimal(text, value):
    assert parse_decimal(text) == D(value)


def test_parse_decimal_refuses_garbage():
    for text in ("1,2,3", "12a", "--1", "1e5", "NaN"):
        with pytest.raises(ValueError):
            parse_decimal(text)
