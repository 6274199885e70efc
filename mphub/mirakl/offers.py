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
from dataclasses import replace
from urllib.parse import quote

from ..errors import InvalidPayload, NotFound, TransientError
from ..offers import Listing, ListingPage, PushStatus, first_plain, plain
from ..parsing import Reader, clean_text, identifier_problem

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
# an OF21 walk longer than this is a server repeating pages, not a shop
MAX_LISTING_OFFSET = 2_000_000


def map_listing(raw):
    """Map an OF21 offer record to a ``Listing``.

    Raises ``InvalidPayload`` (every reason at once, each naming its field)
    when the record has no seller SKU, a quantity that is not a whole number
    from 0, a price that is not an amount, or a field of the wrong type.
    """
    if not isinstance(raw, dict):
        raise InvalidPayload(["the offer record is not an object"])
    reader = Reader()
    sku = reader.identifier(raw, "shop_sku", "")
    quantity = reader.count(raw, "quantity", "")
    price = reader.amount(raw, "price", "")
    listing = {
        "eans": _eans(reader, raw),
        "marketplace_product_id": reader.identifier(
            raw, "product_sku", "", required=False
        ),
        "external_id": reader.identifier(
            raw, "offer_id", "", required=False, numbers=True
        ),
        "currency": _currency(reader, raw, "currency_iso_code", ""),
        "condition": reader.identifier(raw, "state_code", "", required=False),
        "active": reader.bool(raw, "active", "", default=True),
        "title": reader.text(raw, "product_title", "", max_length=500),
    }
    reader.raise_if_errors()
    return Listing(sku=sku, quantity=quantity, price=price, raw=raw, **listing)


def _eans(reader, raw):
    """The EAN (or GTIN, UPC) references of an offer's product."""
    eans = []
    for index, ref in enumerate(reader.records(raw, "product_references", "")):
        path = f"product_references[{index}]"
        kind = reader.text(ref, "reference_type", path, max_length=50)
        value = reader.identifier(ref, "reference", path, required=False)
        if value and kind and kind.upper() in ("EAN", "GTIN", "UPC"):
            if value not in eans:
                eans.append(value)
    return tuple(eans)


def _currency(reader, data, key, path):
    """An ISO 4217 alphabetic code, or None when absent."""
    code = reader.identifier(data, key, path, required=False)
    if code is not None and not (
        len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()
    ):
        reader.fail(f"{path}.{key}" if path else key, f"not a currency: {code!r}")
        return None
    return code


def read_listing_page(data, offset):
    """The ``ListingPage`` of the OF21 answer ``data`` read from ``offset``.

    Offsets only grow (by the records read), and ``total_count`` or the
    ``MAX_LISTING_OFFSET`` bound ends the walk, so a server repeating a page
    cannot make it endless."""
    records = data.get("offers") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise TransientError("OF21: the answer has no offer list")
    listings, invalid = [], []
    for raw in records:
        try:
            listings.append(map_listing(raw))
        except InvalidPayload as err:
            invalid.append((raw, "; ".join(err.reasons)))
    reader = Reader()
    total = reader.count(data, "total_count", "OF21")
    if reader.errors:
        raise InvalidPayload(reader.errors)
    following = offset + len(records)
    more = bool(records) and (total is None or following < total)
    if more and following >= MAX_LISTING_OFFSET:
        raise InvalidPayload(
            f"OF21: paging goes on past {MAX_LISTING_OFFSET} offers"
            f" (total_count {total!r})"
        )
    return ListingPage(
        listings=listings,
        next_page=str(following) if more else None,
        total=total,
        invalid=invalid,
    )


def read_offset(page, what="OF21"):
    """The offset a page token of ours stands for (``None``: the first)."""
    if page in (None, ""):
        return 0
    text = str(page)
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise InvalidPayload(f"{what}: page {text[:40]!r} is not an offset")
    return int(text)


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
    (one per warehouse) join their reasons. ``text`` may be the downloaded
    bytes. A report with lines but no SKU column, or unreadable as CSV, is
    ``InvalidPayload``: confirming its offers would hide their errors.
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):
        raise InvalidPayload("error report: not a text document")
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    except csv.Error as err:
        raise InvalidPayload(f"error report: unreadable CSV ({err})") from err
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        return {}
    header = [name.strip().lower() for name in rows[0]]
    sku_column = _column(header, ("offer-sku", "sku", "shop-sku", "shop_sku"))
    if sku_column is None:
        raise InvalidPayload("error report: no offer-sku column")
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
        sku = row[sku_column] if sku_column < len(row) else ""
        if identifier_problem(sku):
            continue  # no offer of ours has such a SKU
        sku = sku.strip()
        message = row[message_column] if message_column < len(row) else ""
        message = clean_text(message, 500) or "rejected by the marketplace"
        if sku in errors and message not in errors[sku]:
            errors[sku] = clean_text(f"{errors[sku]}; {message}", 2000)
        elif sku not in errors:
            errors[sku] = message
    return errors


IMPORT_STATUSES = frozenset({"WAITING", "RUNNING", "COMPLETE", "FAILED"})


def read_import_status(info, operation):
    """``(PushStatus, has_error_report)`` of a STO02/PRI02 import record.

    Only COMPLETE and FAILED are done: WAITING, RUNNING and any status the
    contract does not name are still pending, never a success."""
    if not isinstance(info, dict):
        raise TransientError(f"{operation}: the answer is not an import status")
    status = info.get("status")
    if not isinstance(status, str) or status not in DONE_STATUSES:
        if isinstance(status, str) and status in IMPORT_STATUSES:
            message = status
        else:
            message = f"unknown import status {clean_text(repr(status), 80)}"
        return PushStatus(done=False, message=message), False
    reader = Reader()
    has_report = reader.bool(info, "has_error_report", operation, default=False)
    success = reader.count(info, "lines_in_success", operation)
    failed = reader.count(info, "lines_in_error", operation)
    reason = reader.text(info, "reason_status", operation, max_length=500)
    reader.raise_if_errors()
    whole_failure = status == "FAILED"
    if failed and not has_report and not whole_failure:
        # lines refused but no report to say which: none can be confirmed
        whole_failure = True
        reason = reason or f"{failed} line(s) in error and no error report"
    status_info = PushStatus(
        done=True,
        failed=whole_failure,
        message=reason or status,
        lines_read=(success or 0) + (failed or 0),
        lines_in_error=failed,
    )
    return status_info, has_report


def _column(header, names):
    return next((header.index(name) for name in names if name in header), None)


def listing_parts(raw):
    """What can be read of an OF21 offer ``read_listing_page`` refused, as a
    partial ``Listing`` (``sku`` "" when no seller SKU is readable), for the
    listing review staff sees."""
    if not isinstance(raw, dict):
        return Listing(sku="")
    eans = []
    references = raw.get("product_references")
    for ref in references if isinstance(references, list) else ():
        if not isinstance(ref, dict):
            continue
        kind = plain(ref.get("reference_type"), 20)
        value = plain(ref.get("reference"), 50)
        if value and kind and kind.upper() in ("EAN", "GTIN", "UPC"):
            if value not in eans:
                eans.append(value)
    return Listing(
        sku=first_plain([raw], ("shop_sku", "sku", "offer_sku")) or "",
        eans=tuple(eans),
        title=first_plain([raw], ("product_title",)),
        marketplace_product_id=first_plain([raw], ("product_sku",)),
        external_id=first_plain([raw], ("offer_id",)),
        condition=first_plain([raw], ("state_code",)),
        raw=raw,
    )


class MiraklOffersMixin:
    """Offer verbs of ``MiraklClient`` (needs ``transport`` and ``_params``)."""

    max_push_rows = 10000  # lines per STO01/PRI01 file

    def listing_parts(self, raw):
        return listing_parts(raw)

    def list_listings(self, page=None):
        """One OF21 page; ``page`` is the offset to read from (a string)."""
        offset = read_offset(page)
        data = self.transport.json(
            "GET",
            "/api/offers",
            operation="OF21",
            params=self._params(offset=offset, max=LISTING_PAGE_SIZE, **LISTING_SORT),
        )
        return read_listing_page(data, offset)

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
        status, has_report = read_import_status(info, operation[:3] + "02")
        if not status.done or not has_report:
            return status
        response = self.transport.request(
            "GET", report, operation=operation, params=self._params()
        )
        return replace(status, errors=parse_error_report(response.content))

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
