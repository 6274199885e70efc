"""Cdiscount offer packages: the zip the SOAP API downloads.

``SubmitOfferPackage`` gives Cdiscount the URL of a zip it downloads, laid
out as an Open Packaging document::

    [Content_Types].xml    the media types of the parts
    _rels/.rels            one relationship of type RELATIONSHIP_TYPE whose
                           target is /Content/Offers.xml
    Content/Offers.xml     the offers (XAML-like, OFFERS_NAMESPACE)

``build_offer_package`` writes a ``StockAndPrice`` package (the seller SKU,
the EAN, the price tax included and the stock of each offer: the package
type that leaves the other attributes of the offers as they are);
``read_offer_package`` reads one back (the emulator reads the uploads with
it), refusing what is not such a zip: oversized or too many parts (zip
bombs), a document type declaration, another root element.
"""

import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape, quoteattr

from ..http import local_name, parse_xml

OFFERS_NAMESPACE = (
    "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;"
    "assembly=Cdiscount.Service.OfferIntegration"
)
XAML_NAMESPACE = "http://schemas.microsoft.com/winfx/2006/xaml"
CONTENT_TYPES_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"
RELATIONSHIPS_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/relationships"
RELATIONSHIP_TYPE = "http://cdiscount.com/uri/document"
OFFERS_PART = "Content/Offers.xml"
PACKAGE_TYPE = "StockAndPrice"
CONDITION_NEW = "6"  # ProductCondition codes: 1 LikeNew ... 5 Refurbished, 6 New
# limits of what read_offer_package accepts
MAX_PARTS = 16
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_PACKAGE_BYTES = 128 * 1024 * 1024
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class PackageError(ValueError):
    """The data is not a readable offer package."""


def _price(value):
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


def _offer_xml(row):
    missing = [
        label
        for label, value in (("price", row.price), ("stock", row.quantity))
        if value is None
    ]
    if missing:
        raise ValueError(
            f"offer {row.sku!r}: a {PACKAGE_TYPE} package needs the "
            f"{' and the '.join(missing)} of every offer"
        )
    attributes = [("SellerProductId", row.sku)]
    if row.ean:
        attributes.append(("ProductEan", row.ean))
    attributes += [
        ("ProductCondition", CONDITION_NEW),
        ("Price", _price(row.price)),
        ("Stock", str(int(row.quantity))),
    ]
    text = " ".join(f"{name}={quoteattr(str(value))}" for name, value in attributes)
    return f"<Offer {text}/>"


def package_name(name):
    """``name`` reduced to what a package's name and file name may hold."""
    return _NAME.sub("-", str(name or "")).strip("-")[:100] or "offers"


def build_offer_package(rows, name):
    """The zip (bytes) of a StockAndPrice package of ``rows``
    (``mphub.offers.OfferRow``: ``sku``, ``quantity``, ``price`` tax
    included, ``ean``). Every row needs its price and its stock (the package
    type requires both): ``ValueError`` otherwise, as for no row at all."""
    rows = list(rows)
    if not rows:
        raise ValueError("an offer package needs at least one offer")
    offers = "".join(_offer_xml(row) for row in rows)
    document = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<OfferPackage Name={quoteattr(package_name(name))} "
        f'PackageType="{PACKAGE_TYPE}" PurgeAndReplace="False" '
        f'xmlns="{escape(OFFERS_NAMESPACE)}" xmlns:x="{XAML_NAMESPACE}">'
        f'<OfferPackage.Offers><OfferCollection Capacity="{len(rows)}">{offers}'
        "</OfferCollection></OfferPackage.Offers></OfferPackage>"
    )
    content_types = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Types xmlns="{CONTENT_TYPES_NAMESPACE}">'
        '<Default Extension="xml" ContentType="text/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        "</Types>"
    )
    relationships = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Relationships xmlns="{RELATIONSHIPS_NAMESPACE}">'
        f'<Relationship Type="{RELATIONSHIP_TYPE}" Target="/{OFFERS_PART}" '
        'Id="offers"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", relationships)
        archive.writestr(OFFERS_PART, document)
    return buffer.getvalue()


# ----------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------
def _read_part(archive, info):
    if info.flag_bits & 0x1:
        raise PackageError(f"the part {info.filename} is encrypted")
    if info.file_size > MAX_PART_BYTES:
        raise PackageError(f"the part {info.filename} is too large")
    with archive.open(info) as handle:
        data = handle.read(MAX_PART_BYTES + 1)  # the header may lie
    if len(data) > MAX_PART_BYTES:
        raise PackageError(f"the part {info.filename} is too large")
    return data


def _parts(data):
    """Part name -> bytes of the zip ``data``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, TypeError, ValueError) as err:
        raise PackageError(f"not a zip file: {err}") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_PARTS:
            raise PackageError(f"too many parts in the package ({len(infos)})")
        if sum(info.file_size for info in infos) > MAX_PACKAGE_BYTES:
            raise PackageError("the package is too large once unzipped")
        try:
            return {info.filename: _read_part(archive, info) for info in infos}
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise PackageError(f"the zip file is damaged: {err}") from None


def _xml(parts, name):
    try:
        return parse_xml(parts[name])
    except ValueError as err:
        raise PackageError(f"{name}: {err}") from None


def _offers_part(parts):
    """The name of the offers' part, as ``_rels/.rels`` says."""
    if "_rels/.rels" not in parts:
        raise PackageError("the package has no _rels/.rels")
    for relationship in _xml(parts, "_rels/.rels"):
        if (
            local_name(relationship.tag) == "Relationship"
            and relationship.get("Type") == RELATIONSHIP_TYPE
        ):
            target = (relationship.get("Target") or "").lstrip("/")
            if target not in parts:
                raise PackageError(f"the package has no part {target!r}")
            return target
    raise PackageError(f"_rels/.rels has no relationship of type {RELATIONSHIP_TYPE}")


def _root(data):
    parts = _parts(data)
    root = _xml(parts, _offers_part(parts))
    if local_name(root.tag) != "OfferPackage":
        raise PackageError(
            f"the offers' part's root is {local_name(root.tag)!r}, not OfferPackage"
        )
    return root


def read_offer_package_header(data):
    """The package's own attributes: ``name``, ``package_type``,
    ``purge_and_replace`` (bool). Raises ``PackageError``."""
    root = _root(data)
    return {
        "name": root.get("Name"),
        "package_type": root.get("PackageType"),
        "purge_and_replace": (root.get("PurgeAndReplace") or "").lower() == "true",
    }


def _number(attributes, key, kind, errors):
    text = attributes.get(key)
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
        if not value.is_finite():
            raise InvalidOperation
        if kind is int:
            if value != value.to_integral_value():
                raise InvalidOperation
            return int(value)
        return value
    except InvalidOperation:
        errors.append(f"{key}: not a {'whole ' if kind is int else ''}number: {text!r}")
        return None


def _offer(element):
    attributes = dict(element.attrib)
    errors = []
    return {
        "sku": (attributes.get("SellerProductId") or "").strip() or None,
        "ean": (attributes.get("ProductEan") or "").strip() or None,
        "condition": attributes.get("ProductCondition"),
        "price": _number(attributes, "Price", Decimal, errors),
        "stock": _number(attributes, "Stock", int, errors),
        "attributes": attributes,
        "errors": errors,
    }


def read_offer_package(data):
    """The offers of a package zip: one dict per ``Offer`` element, in
    order: ``sku``, ``ean``, ``condition`` (the code's text), ``price``
    (Decimal), ``stock`` (int) - None when absent or unreadable -, every
    ``attributes`` as text, and ``errors`` (what could not be read). Raises
    ``PackageError`` (a ``ValueError``) when ``data`` is not a package."""
    return [
        _offer(element)
        for element in _root(data).iter()
        if local_name(element.tag) == "Offer"
    ]
