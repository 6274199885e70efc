"""The offer side of the Mirakl seller API: listings, stock and prices.

- OF21 ``GET /api/offers``: the shop's offers, offset pagination, sorted by
  product title (``sort=productTitle``): unlike the default sort by total
  price, it does not move when prices are pushed during a long walk;
- STO01/STO02/STO03: stock-only CSV import, its status, its error report;
- PRI01/PRI02/PRI03: price-only CSV import (replaces every price of each
  listed offer, so a discount not sent is removed), the list of price
  imports (PRI's only status call), the error report.

OF24 is not used to push stock or prices: it replaces the whole offer, and
omitted fields go back to their defaults.

A listing that cannot be read does not lose its page: ``list_listings``
returns it in ``ListingPage.invalid`` as ``(raw record, reason)``, the
readable ones in ``listings``. A record is invalid when it has no seller SKU
(it cannot be keyed) or a quantity or price that is not a number (binding it
would hide the defect from the drift check).
"""

import csv
import io
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from ..errors import InvalidPayload, NotFound, TransientError
from ..offers import Listing, ListingPage, PushStatus

LISTING_PAGE_SIZE = 100  # OF21 refuses more
LISTING_SORT = {"sort": "productTitle", "order": "asc"}
DONE_STATUSES = frozenset({"COMPLETE", "FAILED"})
# the CSV columns STO01 and PRI01 document, in their order
STOCK_HEADER = ("offer-sku", "quantity", "warehouse-code", "update-delete")
PRICE_HEADER = (
    "offer-sku",
    "price",
    "discount-price",
    "discount-start-date",
    "discount-end-date",
)
PUSH_KINDS = ("stock", "price")


def map_listing(raw):
    """Map an OF21 offer record to a ``Listing``.

    Raises ``InvalidPayload`` (every reason at once) when the record has no
    seller SKU or an unreadable quantity or price.
    """
    if not isinstance(raw, dict):
        raise InvalidPayload(["the offer record is not an object"])
    reasons = []
    sku = raw.get("shop_sku")
    if not isinstance(sku, str) or not sku.strip():
        reasons.append("shop_sku is missing")
    quantity = raw.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int)
    ):
        reasons.append(f"quantity {quantity!r} is not an integer")
    price = _decimal(raw.get("price"))
    if raw.get("price") is not None and price is None:
        reasons.append(f"price {raw.get('price')!r} is not a number")
    if reasons:
        raise InvalidPayload(reasons)
    return Listing(
        sku=sku.strip(),
        eans=_eans(raw.get("product_references")),
        marketplace_product_id=raw.get("product_sku") or None,
        external_id=str(raw["offer_id"]) if raw.get("offer_id") is not None else None,
        quantity=quantity,
        price=price,
        currency=raw.get("currency_iso_code"),
        condition=raw.get("state_code"),
        active=bool(raw.get("active", True)),
        title=raw.get("product_title"),
        raw=raw,
    )


def _eans(references):
    """The EAN (or GTIN, UPC) references of an offer's product."""
    if not isinstance(references, list):
        return ()
    return tuple(
        str(ref.get("reference"))
        for ref in references
        if isinstance(ref, dict)
        and str(ref.get("reference_type", "")).upper() in ("EAN", "GTIN", "UPC")
        and ref.get("reference")
    )


def _decimal(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number.quantize(Decimal("0.01")) if number.is_finite() else None


def _csv_file(header, rows):
    """A CSV file as Mirakl reads it: ``;``-separated, every value quoted."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n"
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def parse_error_report(text):
    """SKU -> error message, from a STO03/PRI03 (or OF03) CSV error report.

    The report repeats the lines in error with the line number and the
    reason added; STO03 and PRI03 put them in the first two columns, OF03 in
    the last two, and the names vary. The SKU column is found by name
    (``offer-sku``, ``sku``); the reason is the column whose name speaks of
    a message or reason, else the second one. Several lines of one SKU
    (one per warehouse) join their reasons.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    if len(rows) < 2:
        return {}
    header = [name.strip().lower() for name in rows[0]]
    sku_column = _column(header, ("offer-sku", "sku", "shop-sku", "shop_sku"))
    message_column = _column(
        header, ("error-message", "error_message", "message", "error-reason")
    )
    if message_column is None:
        message_column = next(
            (
                i
                for i, name in enumerate(header)
                if "reason" in name or "message" in name
            ),
            1,
        )
    errors = {}
    for row in rows[1:]:
        if sku_column is None or sku_column >= len(row) or not row[sku_column]:
            continue
        message = row[message_column] if message_column < len(row) else ""
        message = message or "rejected by the marketplace"
        sku = row[sku_column]
        if sku in errors and message not in errors[sku]:
            errors[sku] = f"{errors[sku]}; {message}"
        else:
            errors[sku] = message
    return errors


def _column(header, names):
    return next((header.index(name) for name in names if name in header), None)


class MiraklOffersMixin:
    """Offer verbs of ``MiraklClient`` (needs ``transport`` and ``_params``)."""

    max_push_rows = 10000  # lines per STO01/PRI01 file

    def list_listings(self, page=None):
        """One OF21 page; ``page`` is the offset to read from (a string)."""
        offset = int(page or 0)
        data = self.transport.json(
            "GET",
            "/api/offers",
            operation="OF21",
            params=self._params(offset=offset, max=LISTING_PAGE_SIZE, **LISTING_SORT),
        )
        records = data.get("offers") if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise TransientError("OF21: the answer has no offer list")
        listings, invalid = [], []
        for raw in records:
            try:
                listings.append(map_listing(raw))
            except InvalidPayload as err:
                invalid.append((raw, "; ".join(err.reasons)))
        total = data.get("total_count")
        total = (
            total if isinstance(total, int) and not isinstance(total, bool) else None
        )
        following = offset + len(records)
        more = bool(records) and (total is None or following < total)
        return ListingPage(
            listings=listings,
            next_page=str(following) if more else None,
            total=total,
            invalid=invalid,
        )

    def push_stock(self, rows):
        """STO01: one global quantity per offer; returns the import id."""
        lines = [(row.sku, int(row.quantity), "", "update") for row in rows]
        return self._push("STO01", "/api/offers/stock/imports", STOCK_HEADER, lines)

    def push_prices(self, rows):
        """PRI01: one price per offer, no discount; returns the import id."""
        lines = [(row.sku, f"{row.price:.2f}", "", "", "") for row in rows]
        return self._push("PRI01", "/api/offers/pricing/imports", PRICE_HEADER, lines)

    def _push(self, operation, path, header, lines):
        if not lines:
            return None  # nothing to send, nothing to follow
        if len(lines) > self.max_push_rows:
            raise ValueError(
                f"{operation}: {len(lines)} lines, {self.max_push_rows} at most"
            )
        data = self.transport.json(
            "POST",
            path,
            operation=operation,
            params=self._params(),
            files={
                "file": (
                    f"{operation.lower()}.csv",
                    _csv_file(header, lines),
                    "text/csv",
                )
            },
        )
        import_id = None
        if isinstance(data, dict):
            import_id = data.get("import_id") or data.get("importId")
        if import_id in (None, ""):
            raise TransientError(f"{operation}: the answer has no import id")
        return str(import_id)

    def push_status(self, kind, batch_id, skus=None):
        """STO02 or PRI02, then STO03 or PRI03 when the batch is done with
        lines in error."""
        if kind not in PUSH_KINDS:
            raise ValueError(f"kind must be one of {PUSH_KINDS}, not {kind!r}")
        quoted = quote(str(batch_id), safe="")
        if kind == "stock":
            info = self._stock_status(quoted)
            report = f"/api/offers/stock/imports/{quoted}/error_report"
            operation = "STO03"
        else:
            info = self._price_status(batch_id)
            report = f"/api/offers/pricing/imports/{quoted}/error_report"
            operation = "PRI03"
        status = info.get("status")
        if status not in DONE_STATUSES:
            return PushStatus(done=False, message=status)
        errors = {}
        if info.get("has_error_report"):
            response = self.transport.request(
                "GET", report, operation=operation, params=self._params()
            )
            errors = parse_error_report(response.content.decode("utf-8", "replace"))
        success, failed = info.get("lines_in_success"), info.get("lines_in_error")
        return PushStatus(
            done=True,
            failed=status == "FAILED",
            message=info.get("reason_status") or status,
            errors=errors,
            lines_read=(success or 0) + (failed or 0),
            lines_in_error=failed,
        )

    def _stock_status(self, quoted_id):
        info = self.transport.json(
            "GET",
            f"/api/offers/stock/imports/{quoted_id}/status",
            operation="STO02",
            params=self._params(),
        )
        if not isinstance(info, dict):
            raise TransientError("STO02: the answer is not an import status")
        return info

    def _price_status(self, batch_id):
        data = self.transport.json(
            "GET",
            "/api/offers/pricing/imports",
            operation="PRI02",
            params=self._params(import_id=batch_id),
        )
        imports = data.get("data") if isinstance(data, dict) else None
        if not isinstance(imports, list):
            raise TransientError("PRI02: the answer has no import list")
        for info in imports:
            if isinstance(info, dict) and str(info.get("import_id")) == str(batch_id):
                return info
        raise NotFound(
            f"PRI02: price import {batch_id} is not known to the marketplace"
        )
