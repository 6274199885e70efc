"""A file of competitor prices becoming competitor offers
(``mp.competitor.import``).

The file is read by ``mphub.repricing.imports.import_file``; each product
of the file is matched to the account's offer by seller SKU, or by EAN (the
offer's, else its product's barcode). Its offers are stored as the API's
(``SnapshotStore``, source "import"): a file replaces the previous file's
offers of the products it lists, and leaves the other products' alone.

Only the rows in error are kept (``mp.competitor.import.row``): their
cells, as JSON, are read again by a retry, which stores the row's offer
alongside the current offers of the same product (a retried row does not
close the offers of the rest of its file).
"""

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

from mphub.errors import InvalidPayload
from mphub.pricing import ProductOffers
from mphub.repricing import imports

from odoo import fields
from odoo.tools import SQL

from .competitor_collect import SnapshotStore, product_rows

MAX_ERRORS_KEPT = 5000


def _cell(value):
    """A cell as JSON can hold it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class CompetitorImport:
    """The import of one ``mp.competitor.import``."""

    def __init__(self, record):
        record.ensure_one()
        self.record = record
        self.env = record.env
        self.backend = record.backend_id

    # -- matching -----------------------------------------------------------
    def _offers_by_reference(self, references):
        """(kind, reference) -> the account's active offers matching it."""
        skus = [ref for kind, ref in references if kind == "Sku"]
        eans = [ref for kind, ref in references if kind != "Sku"]
        backend_id = self.backend.id
        self.env["mp.offer.binding"].flush_model(["seller_sku", "ean", "active"])
        self.env["product.product"].flush_model(["barcode"])
        found = {}
        if skus:
            self.env.cr.execute(
                SQL(
                    "SELECT seller_sku, id FROM mp_offer_binding WHERE backend_id = %s "
                    "AND active AND seller_sku = ANY(%s)",
                    backend_id,
                    skus,
                )
            )
            for sku, offer_id in self.env.cr.fetchall():
                found.setdefault(("Sku", sku), []).append(offer_id)
        if eans:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT COALESCE(NULLIF(o.ean, ''), p.barcode), o.id
                      FROM mp_offer_binding o
                      JOIN product_product p ON p.id = o.product_id
                     WHERE o.backend_id = %s AND o.active
                       AND COALESCE(NULLIF(o.ean, ''), p.barcode) = ANY(%s)
                    """,
                    backend_id,
                    eans,
                )
            )
            for ean, offer_id in self.env.cr.fetchall():
                found.setdefault(("Ean", ean), []).append(offer_id)
        return found

    def _offers_info(self, offer_ids):
        offers = self.env["mp.offer.binding"].sudo().browse(offer_ids)
        return {
            offer.id: (offer.product_id.id, offer.currency_id.id or None)
            for offer in offers
        }

    def _store(self, products, replace=True):
        """Store the file's ``products`` (``ProductOffers``); returns
        ``(imported offers count, errors)``: errors are (product, reason)
        of the products without an offer. ``replace``: the products' rows of
        a previous file not in ``products`` are closed."""
        references = [(p.reference_type, p.reference) for p in products]
        matched = self._offers_by_reference(references)
        rows_by_offer, errors, imported = {}, [], 0
        for product in products:
            offer_ids = matched.get((product.reference_type, product.reference))
            if not offer_ids:
                errors.append((product, self._unknown(product)))
                continue
            rows = product_rows(product)
            imported += len(product.offers)
            for offer_id in offer_ids:
                kept = rows_by_offer.setdefault(offer_id, {})
                for row in rows:
                    kept.setdefault(
                        (row["seller_key"], row["condition"], row["own"]), row
                    )
        rows_by_offer = {
            key: list(rows.values()) for key, rows in rows_by_offer.items()
        }
        if rows_by_offer:
            now = fields.Datetime.now()
            store = SnapshotStore(self.backend.sudo(), "import")
            if not replace:
                rows_by_offer = self._with_current(store, rows_by_offer)
            store.store(rows_by_offer, self._offers_info(list(rows_by_offer)), now)
            store.summarise(list(rows_by_offer), now)
        return imported, errors

    def _with_current(self, store, rows_by_offer):
        """``rows_by_offer`` added to the offers' current import rows (a
        retried row does not replace the rest of its product's file)."""
        current = (
            self.env["mp.competitor.snapshot"]
            .sudo()
            .search(
                [
                    ("offer_id", "in", list(rows_by_offer)),
                    ("current", "=", True),
                    ("source", "=", "import"),
                ]
            )
        )
        merged = {}
        for offer_id, rows in rows_by_offer.items():
            kept = [
                snapshot._to_competitor_offer()
                for snapshot in current.filtered(
                    lambda s, o=offer_id: s.offer_id.id == o
                )
            ]
            product = ProductOffers(reference="", reference_type="", offers=tuple(kept))
            new = {(r["seller_key"], r["condition"] or "", r["own"]): r for r in rows}
            old = {
                (r["seller_key"], r["condition"] or "", r["own"]): r
                for r in product_rows(product)
            }
            merged[offer_id] = list({**old, **new}.values())
        return merged

    def _unknown(self, product):
        if product.reference_type == "Sku":
            return self.env._("no offer of this account for SKU %s", product.reference)
        return self.env._("no offer of this account for EAN %s", product.reference)

    # -- a file -------------------------------------------------------------
    def run_file(self, data):
        """Import the file's bytes: counts, state and the rows in error."""
        record = self.record
        record.row_ids.sudo().unlink()
        try:
            result = imports.import_file(data, record.filename or "")
        except InvalidPayload as error:
            record.write(
                {
                    "state": "failed",
                    "date": fields.Datetime.now(),
                    "row_count": 0,
                    "imported_count": 0,
                    "message": str(error),
                }
            )
            return record
        imported, unmatched = self._store(result.products)
        error_rows = []
        if result.errors or unmatched:
            rows = self._raw_rows(data)
            header = [str(cell or "").strip() for cell in rows[0]] if rows else []
            for number, row, reason in result.errors:
                error_rows.append((number, self._by_column(header, row), reason))
            error_rows += self._unmatched_rows(rows, header, unmatched)
        error_rows.sort(key=lambda item: item[0] or 0)
        self._keep_errors(error_rows)
        if not error_rows:
            state = "done"
        else:
            state = "partial" if imported else "failed"
        record.write(
            {
                "state": state,
                "date": fields.Datetime.now(),
                "row_count": imported + len(error_rows),
                "imported_count": imported,
                "message": False,
            }
        )
        return record

    @staticmethod
    def _by_column(header, row):
        """A row's cells by column name (by position past the header)."""
        cells = {}
        for index, value in enumerate(row):
            name = header[index] if index < len(header) and header[index] else None
            cells[name or f"column_{index + 1}"] = value
        return cells

    def _raw_rows(self, data):
        """The file's rows of cells, the header first (to keep a bad row's
        cells by column); [] when unreadable."""
        filename = (self.record.filename or "").lower()
        try:
            if filename.endswith((".xlsx", ".xlsm")):
                import openpyxl  # noqa: PLC0415 - only for spreadsheets

                book = openpyxl.load_workbook(
                    io.BytesIO(data), read_only=True, data_only=True
                )
                try:
                    return [
                        list(row)
                        for row in book.worksheets[0].iter_rows(values_only=True)
                    ]
                finally:
                    book.close()
            text = imports._decoded(data).replace("\x00", "")
            first = text.split("\n", 1)[0]
            delimiter = max(";,\t", key=first.count)
            return list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except Exception:  # noqa: BLE001 - the import itself said what is wrong
            return []

    def _unmatched_rows(self, rows, header, unmatched):
        """(row number, cells, reason) of the rows of the products without
        an offer: a row names its product by SKU, else by EAN."""
        if not unmatched:
            return []
        reasons = {(p.reference_type, p.reference): reason for p, reason in unmatched}
        columns = [imports.HEADERS.get(imports._header(name)) for name in header]
        sku_at = [i for i, c in enumerate(columns) if c == "sku"][:1]
        ean_at = [i for i, c in enumerate(columns) if c == "ean"][:1]

        def cell(row, at):
            if not at or at[0] >= len(row) or row[at[0]] is None:
                return ""
            return str(row[at[0]]).strip()

        found = []
        for number, row in enumerate(rows[1:], start=2):
            sku = cell(row, sku_at)
            key = ("Sku", sku) if sku else ("Ean", cell(row, ean_at))
            if key in reasons:
                found.append((number, self._by_column(header, row), reasons[key]))
        if not found:  # unreadable again: keep what the import parsed
            for product, reason in unmatched:
                for offer in product.offers:
                    found.append((None, self._cells_of(product, offer), reason))
        return found

    @staticmethod
    def _cells_of(product, offer):
        """The cells of a parsed row (for a product without an offer)."""
        cells = {
            "sku" if product.reference_type == "Sku" else "ean": product.reference,
            "seller": offer.seller,
            "price": str(offer.price),
            "shipping": str(offer.shipping),
        }
        if offer.condition:
            cells["condition"] = offer.condition
        if offer.fulfilment:
            cells["fulfilment"] = offer.fulfilment
        if offer.rating is not None:
            cells["rating"] = str(offer.rating)
        if offer.rating_count is not None:
            cells["rating_count"] = offer.rating_count
        if offer.featured:
            cells["featured"] = "yes"
        return cells

    def _keep_errors(self, error_rows):
        Row = self.env["mp.competitor.import.row"]
        Row.create(
            [
                {
                    "import_id": self.record.id,
                    "row_number": number or 0,
                    "raw": json.dumps(
                        {str(k): _cell(v) for k, v in cells.items()}
                        if isinstance(cells, dict)
                        else [_cell(v) for v in cells],
                        ensure_ascii=False,
                    ),
                    "reason": str(reason)[:500],
                    "state": "error",
                }
                for number, cells, reason in error_rows[:MAX_ERRORS_KEPT]
            ]
        )

    # -- retries ------------------------------------------------------------
    def retry_rows(self, rows):
        """Read ``rows``' cells again; a row now read and matched is
        imported (``done``), another keeps its new reason."""
        imported_total = 0
        for row in rows:
            try:
                cells = json.loads(row.raw or "{}")
            except ValueError:
                row.reason = self.env._("The kept cells are unreadable.")
                continue
            if isinstance(cells, dict):
                header, values = list(cells), list(cells.values())
            else:
                row.reason = self.env._("The kept cells have no column names.")
                continue
            try:
                result = imports.import_rows([header, values])
            except InvalidPayload as error:
                row.reason = str(error)[:500]
                continue
            if result.errors:
                row.reason = str(result.errors[0][2])[:500]
                continue
            imported, unmatched = self._store(result.products, replace=False)
            if unmatched:
                row.reason = str(unmatched[0][1])[:500]
                continue
            row.write({"state": "done", "reason": False})
            imported_total += imported
        record = self.record
        left = record.row_ids.filtered(lambda r: r.state == "error")
        record.write(
            {
                "imported_count": record.imported_count + imported_total,
                "state": "done" if not left else "partial",
            }
        )
        return record
