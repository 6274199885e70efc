"""Competitor prices imported from a CSV or XLSX file, for channels without
an API.

One row per competitor offer; the header names the columns, in English or
French, case and accents ignored: sku or ean (the product), seller, price,
shipping, condition, fulfilment, rating, rating_count, featured. Only the
product, the seller and the price are required. Decimals take a comma or a
dot (``1 234,50``, ``1,234.50``, ``19,90 €``). A bad row is kept in
``errors`` with its number (the header is row 1), its raw cells and the
reason, and never stops the others.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from mphub.errors import InvalidPayload
from mphub.pricing import CompetitorOffer, ProductOffers

# normalised header -> column
HEADERS = {
    "sku": "sku",
    "reference": "sku",
    "ref": "sku",
    "seller_sku": "sku",
    "ean": "ean",
    "gtin": "ean",
    "code_ean": "ean",
    "seller": "seller",
    "vendeur": "seller",
    "marchand": "seller",
    "boutique": "seller",
    "shop": "seller",
    "price": "price",
    "prix": "price",
    "shipping": "shipping",
    "shipping_price": "shipping",
    "frais_de_port": "shipping",
    "port": "shipping",
    "livraison": "shipping",
    "condition": "condition",
    "etat": "condition",
    "fulfilment": "fulfilment",
    "fulfillment": "fulfilment",
    "expedition": "fulfilment",
    "logistique": "fulfilment",
    "rating": "rating",
    "note": "rating",
    "rating_count": "rating_count",
    "ratings": "rating_count",
    "nombre_d_avis": "rating_count",
    "nombre_avis": "rating_count",
    "nb_avis": "rating_count",
    "avis": "rating_count",
    "featured": "featured",
    "buy_box": "featured",
    "buybox": "featured",
    "mis_en_avant": "featured",
    "en_avant": "featured",
}
FULFILMENT_WORDS = {
    "merchant": "merchant",
    "seller": "merchant",
    "vendeur": "merchant",
    "fbm": "merchant",
    "mfn": "merchant",
    "marketplace": "marketplace",
    "fba": "marketplace",
    "afn": "marketplace",
    "amazon": "marketplace",
    "plateforme": "marketplace",
}
TRUE_WORDS = {"1", "yes", "y", "true", "x", "oui", "o", "vrai"}
FALSE_WORDS = {"", "0", "no", "n", "false", "non", "faux"}
MAX_TEXT = 200


@dataclass(frozen=True)
class ImportResult:
    products: list = field(default_factory=list)  # ProductOffers values
    errors: list = field(default_factory=list)  # (row number, raw row, reason)


def _header(text):
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "_", text.decode().lower()).strip("_")


def parse_decimal(text):
    """A decimal from a cell: a number, or a text with a comma or a dot as
    the decimal separator; None when empty. Raises ValueError."""
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Decimal(str(text))
    if isinstance(text, Decimal):
        return text
    value = re.sub(r"[\s\u00a0\u202f€$£]|EUR", "", str(text))
    if not value:
        return None
    if "," in value and "." in value:
        thousands = "," if value.rfind(",") < value.rfind(".") else "."
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        raise ValueError(f"{text!r} is not a number")
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern guards
        raise ValueError(f"{text!r} is not a number") from error


def _text(value):
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT or any(ord(c) < 32 for c in text):
        raise ValueError(f"{text[:40]!r}... is too long or has control characters")
    return text


def _money(cells, name, required=False):
    value = parse_decimal(cells.get(name))
    if value is None:
        if required:
            raise ValueError(f"{name} is missing")
        return Decimal("0.00")
    if value < 0 or value > Decimal("10000000"):
        raise ValueError(f"{name} {value} is out of range")
    return value.quantize(Decimal("0.01"))


def _fulfilment(cells):
    word = _header(cells.get("fulfilment"))
    if not word:
        return None
    if word not in FULFILMENT_WORDS:
        raise ValueError(f"unknown fulfilment {cells.get('fulfilment')!r}")
    return FULFILMENT_WORDS[word]


def _flag(value):
    word = _header(value) if not isinstance(value, bool) else str(int(value))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"featured {value!r} is neither yes nor no")


def _rating(cells):
    rating = parse_decimal(cells.get("rating"))
    count = parse_decimal(cells.get("rating_count"))
    if rating is not None and not 0 <= rating <= 100:
        raise ValueError(f"rating {rating} is out of range")
    if count is not None and (count < 0 or count != count.to_integral_value()):
        raise ValueError(f"rating count {count} is not a whole number")
    return rating, None if count is None else int(count)


def read_row(cells):
    """(reference type, reference, CompetitorOffer) of a row's cells (column
    -> value). Raises ValueError with the reason."""
    sku, ean = _text(cells.get("sku")), _text(cells.get("ean"))
    if not sku and not ean:
        raise ValueError("neither sku nor ean")
    seller = _text(cells.get("seller"))
    if not seller:
        raise ValueError("seller is missing")
    rating, count = _rating(cells)
    offer = CompetitorOffer(
        seller=seller,
        price=_money(cells, "price", required=True),
        shipping=_money(cells, "shipping"),
        condition=_text(cells.get("condition")) or None,
        seller_type="professional",
        rating=rating,
        rating_count=count,
        fulfilment=_fulfilment(cells),
        featured=_flag(cells.get("featured")),
    )
    return ("Sku", sku, offer) if sku else ("Ean", ean, offer)


def import_rows(rows):
    """An ``ImportResult`` from rows of cells, the first one the header.
    Raises ``InvalidPayload`` when the header names no product or price."""
    rows = iter(rows)
    header = next(rows, None) or []
    columns = [HEADERS.get(_header(name)) for name in header]
    if not {"price", "seller"} <= set(columns) or not {"sku", "ean"} & set(columns):
        raise InvalidPayload(
            "the header needs sku or ean, seller and price columns, "
            f"found {[str(name) for name in header][:20]}"
        )
    products, errors = {}, []
    for number, row in enumerate(rows, start=2):
        row = list(row)
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        cells = {}
        for column, value in zip(columns, row, strict=False):
            if column and cells.get(column) in (None, ""):
                cells[column] = value
        try:
            kind, reference, offer = read_row(cells)
        except ValueError as error:
            errors.append((number, row, str(error)))
            continue
        products.setdefault((kind, reference), []).append(offer)
    result = [
        ProductOffers(reference=reference, reference_type=kind, offers=tuple(offers))
        for (kind, reference), offers in products.items()
    ]
    return ImportResult(result, errors)


def _decoded(data):
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidPayload("the file is neither UTF-8 nor Windows-1252 text")


def import_csv(data):
    """An ``ImportResult`` from CSV text or bytes (";", "," or tab
    separated)."""
    text = _decoded(data).replace("\x00", "")
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    try:
        return import_rows(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise InvalidPayload(f"unreadable CSV: {error}") from error


def import_xlsx(data):
    """An ``ImportResult`` from the first sheet of an XLSX file's bytes."""
    import openpyxl  # noqa: PLC0415 - only needed for spreadsheets

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise InvalidPayload(f"unreadable XLSX file: {error}") from error
    try:
        return import_rows(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def import_file(data, filename):
    """An ``ImportResult`` from a file's bytes, by its name's extension."""
    if str(filename).lower().endswith((".xlsx", ".xlsm")):
        return import_xlsx(data)
    return import_csv(data)
