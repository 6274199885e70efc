"""The offer side of the Mirakl seller API: listings, stock and prices.

- OF21 ``GET /api/offers``: the shop's offers, offset pagination;
- STO01/STO02/STO03: stock-only CSV import, its status, its error report;
- PRI01/PRI02/PRI03: price-only CSV import (replaces every price of each
  listed offer), its status, its error report.

OF24 is not used to push stock or prices: it replaces the whole offer, and
omitted fields go back to their defaults.
"""

import csv
import io
from decimal import Decimal, InvalidOperation

from ..errors import InvalidPayload, RemoteError
from ..offers import Listing, ListingPage, PushStatus

LISTING_PAGE_SIZE = 100  # OF21 refuses more
DONE_STATUSES = frozenset({"COMPLETE", "FAILED"})
STOCK_HEADER = ("offer-sku", "quantity", "update-delete")
PRICE_HEADER = ("offer-sku", "price")


def map_listing(raw):
    """Map an OF21 offer record to a ``Listing``.

    Raises ``InvalidPayload`` when the record has no seller SKU or an
    unreadable quantity or price.
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
    eans = tuple(
        str(ref.get("reference"))
        for ref in raw.get("product_references") or ()
        if isinstance(ref, dict)
        and str(ref.get("reference_type", "")).upper() in ("EAN", "GTIN", "UPC")
        and ref.get("reference")
    )
    return Listing(
        sku=sku.strip(),
        eans=eans,
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


def _decimal(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _csv_file(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n"
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def parse_error_report(text):
    """SKU -> error message, from a STO03/PRI03 CSV error report.

    The report repeats the lines in error; the line number and the reason are
    in the first columns, named differently across versions, so the SKU
    column is found by name and the reason is any column naming an error.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        return {}
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    errors = {}
    for row in reader:
        sku = row.get("offer-sku") or row.get("sku") or row.get("shop-sku")
        message = next(
            (
                value
                for key, value in row.items()
                if key and "error" in key.lower() and value
            ),
            None,
        )
        if sku:
            errors[sku] = message or "rejected by the marketplace"
    return errors


class MiraklOffersMixin:
    """Offer verbs of ``MiraklClient`` (needs ``transport`` and ``_params``)."""

    max_push_rows = 10000

    def list_listings(self, page=None):
        offset = int(page or 0)
        data = self.transport.json(
            "GET",
            "/api/offers",
            operation="OF21",
            params=self._params(offset=offset, max=LISTING_PAGE_SIZE),
        )
        records = data.get("offers") or []
        listings, invalid = [], []
        for raw in records:
            try:
                listings.append(map_listing(raw))
            except InvalidPayload as err:
                invalid.append((raw, "; ".join(err.reasons)))
        total = data.get("total_count")
        following = offset + len(records)
        more = records and (total is None or following < total)
        return ListingPage(
            listings=listings,
            next_page=str(following) if more else None,
            total=total,
            invalid=invalid,
        )

    def push_stock(self, rows):
        content = _csv_file(
            STOCK_HEADER, [(row.sku, int(row.quantity), "update") for row in rows]
        )
        data = self.transport.json(
            "POST",
            "/api/offers/stock/imports",
            operation="STO01",
            params=self._params(),
            files={"file": ("stock.csv", content, "text/csv")},
        )
        return str(data["import_id"])

    def push_prices(self, rows):
        content = _csv_file(
            PRICE_HEADER, [(row.sku, f"{row.price:.2f}") for row in rows]
        )
        data = self.transport.json(
            "POST",
            "/api/offers/pricing/imports",
            operation="PRI01",
            params=self._params(),
            files={"file": ("prices.csv", content, "text/csv")},
        )
        return str(data.get("import_id") or data.get("importId"))

    def push_status(self, kind, batch_id):
        if kind == "stock":
            info = self.transport.json(
                "GET",
                f"/api/offers/stock/imports/{batch_id}/status",
                operation="STO02",
                params=self._params(),
            )
            report = f"/api/offers/stock/imports/{batch_id}/error_report"
            operation = "STO03"
        else:
            data = self.transport.json(
                "GET",
                "/api/offers/pricing/imports",
                operation="PRI02",
                params=self._params(import_id=batch_id),
            )
            found = [
                i
                for i in data.get("data") or ()
                if str(i.get("import_id")) == str(batch_id)
            ]
            if not found:
                raise RemoteError(
                    f"price import {batch_id} is not known to the marketplace"
                )
            info = found[0]
            report = f"/api/offers/pricing/imports/{batch_id}/error_report"
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
        return PushStatus(
            done=True,
            failed=status == "FAILED",
            message=info.get("reason_status") or status,
            errors=errors,
            lines_read=(info.get("lines_in_success") or 0)
            + (info.get("lines_in_error") or 0),
            lines_in_error=info.get("lines_in_error"),
        )
