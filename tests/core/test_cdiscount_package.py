"""Cdiscount offer packages: the zip written for SubmitOfferPackage, read
back as the emulator reads uploads, and the packages refused."""

import io
import zipfile
from decimal import Decimal

import pytest
from mphub.cdiscount.package import (
    MAX_PART_BYTES,
    OFFERS_NAMESPACE,
    OFFERS_PART,
    PackageError,
    build_offer_package,
    package_name,
    read_offer_package,
    read_offer_package_header,
)
from mphub.http import parse_xml
from mphub.offers import OfferRow

ROWS = [
    OfferRow("MUG-RED", quantity=12, price=Decimal("19.9"), ean="3700000000017"),
    OfferRow("TEE & CO", quantity=0, price=Decimal("0.01"), ean=None),
]


def _zip(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_has_the_open_packaging_layout():
    parts = _parts(build_offer_package(ROWS, "stock 2025-03-01"))
    assert set(parts) == {"[Content_Types].xml", "_rels/.rels", OFFERS_PART}
    relationship = parse_xml(parts["_rels/.rels"])[0]
    assert relationship.get("Type") == "http://cdiscount.com/uri/document"
    assert relationship.get("Target") == "/Content/Offers.xml"
    types = {
        d.get("Extension"): d.get("ContentType")
        for d in parse_xml(parts["[Content_Types].xml"])
    }
    assert types["xml"] == "text/xml"
    assert types["rels"].endswith("relationships+xml")


def test_offers_xml_is_a_stock_and_price_package():
    root = parse_xml(_parts(build_offer_package(ROWS, "stock 2025-03-01"))[OFFERS_PART])
    assert root.tag == f"{{{OFFERS_NAMESPACE}}}OfferPackage"
    assert root.get("PackageType") == "StockAndPrice"
    assert root.get("PurgeAndReplace") == "False"
    assert root.get("Name") == "stock-2025-03-01"
    collection = root[0][0]
    assert collection.get("Capacity") == "2"
    first, second = collection
    assert first.attrib == {
        "SellerProductId": "MUG-RED",
        "ProductEan": "3700000000017",
        "ProductCondition": "6",
        "Price": "19.90",
        "Stock": "12",
    }
    assert "ProductEan" not in second.attrib  # no barcode: no EAN
    assert second.get("SellerProductId") == "TEE & CO"
    assert second.get("Price") == "0.01"


def test_a_package_reads_back_as_it_was_written():
    offers = read_offer_package(build_offer_package(ROWS, "x"))
    assert [(o["sku"], o["ean"], o["price"], o["stock"]) for o in offers] == [
        ("MUG-RED", "3700000000017", Decimal("19.90"), 12),
        ("TEE & CO", None, Decimal("0.01"), 0),
    ]
    assert all(o["errors"] == [] and o["condition"] == "6" for o in offers)
    header = read_offer_package_header(build_offer_package(ROWS, "x"))
    assert header == {
        "name": "x",
        "package_type": "StockAndPrice",
        "purge_and_replace": False,
    }


@pytest.mark.parametrize(
    ("row", "missing"),
    [
        (OfferRow("A", quantity=None, price=Decimal(1)), "stock"),
        (OfferRow("A", quantity=1, price=None), "price"),
        (OfferRow("A"), "price and the stock"),
    ],
)
def test_a_row_without_price_or_stock_is_refused(row, missing):
    with pytest.raises(ValueError, match=f"needs the {missing} of every offer"):
        build_offer_package([row], "x")


def test_an_empty_package_is_refused():
    with pytest.raises(ValueError, match="at least one offer"):
        build_offer_package([], "x")


def test_package_names_keep_safe_characters_only():
    assert package_name("../etc/passwd") == "..-etc-passwd"
    assert package_name("") == "offers"
    assert len(package_name("a" * 300)) == 100


def _package(offers_xml, rels=None):
    rels = rels or (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Type="http://cdiscount.com/uri/document" '
        'Target="/Content/Offers.xml" Id="r"/></Relationships>'
    )
    return _zip({"_rels/.rels": rels, OFFERS_PART: offers_xml})


def test_unreadable_values_are_reported_per_offer():
    data = _package(
        f'<OfferPackage xmlns="{OFFERS_NAMESPACE}">'
        "<OfferPackage.Offers><OfferCollection>"
        '<Offer SellerProductId=" A " Price="abc" Stock="1.5"/>'
        '<Offer Price="NaN" Stock="-2"/>'
        "</OfferCollection></OfferPackage.Offers></OfferPackage>"
    )
    first, second = read_offer_package(data)
    assert first["sku"] == "A"
    assert first["price"] is None and first["stock"] is None
    assert first["errors"] == [
        "Price: not a number: 'abc'",
        "Stock: not a whole number: '1.5'",
    ]
    assert second["sku"] is None
    assert second["stock"] == -2  # readable: whether it is allowed is the reader's call
    assert second["errors"] == ["Price: not a number: 'NaN'"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not a zip", "not a zip file"),
        (_zip({OFFERS_PART: "<OfferPackage/>"}), "no _rels/.rels"),
        (
            _package("<OfferPackage/>", rels="<Relationships/>"),
            "no relationship of type",
        ),
        (_package("<Other/>"), "not OfferPackage"),
        (_package("<OfferPackage"), "not well-formed"),
        (
            _package(
                '<!DOCTYPE OfferPackage [<!ENTITY a "aaaa">]>'
                "<OfferPackage>&a;</OfferPackage>"
            ),
            "document type",
        ),
        (
            _zip({f"part{i}.xml": "<a/>" for i in range(20)}),
            "too many parts",
        ),
    ],
)
def test_what_is_not_an_offer_package_is_refused(data, reason):
    with pytest.raises(PackageError, match=reason):
        read_offer_package(data)


def test_a_zip_bomb_is_refused_without_inflating_it():
    # a few kilobytes that would inflate to more than the part limit
    data = _package("<OfferPackage>" + " " * (MAX_PART_BYTES + 10) + "</OfferPackage>")
    assert len(data) < MAX_PART_BYTES // 100
    with pytest.raises(PackageError, match="too large"):
        read_offer_package(data)


def test_a_part_lying_about_its_size_is_refused():
    data = bytearray(
        _package("<OfferPackage>" + " " * (MAX_PART_BYTES + 10) + "</OfferPackage>")
    )
    # shrink the announced size of Offers.xml in its central directory entry
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(OFFERS_PART)
        size = info.file_size
    marker = size.to_bytes(4, "little")
    position = data.rfind(marker)
    data[position : position + 4] = (100).to_bytes(4, "little")
    with pytest.raises(PackageError, match="too large|damaged"):
        read_offer_package(bytes(data))
