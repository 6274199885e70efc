"""Competitors' offers of an account's offers: the collection jobs and the
change-only storage of the rows (``mp.competitor.snapshot``).

The collection asks the account's client (capability "competitors") for the
offers of the products of a chunk of own offers, in one call, and stores
what changed since the last reading, in bulk SQL:

- a competitor offer is identified, per own offer, by its seller
  (``seller_key``: its id, else its name), its condition and whether it is
  the seller's own offer;
- the same values as the current row: nothing is written;
- other values: the current row is closed (``date_to``) and a row inserted;
- an offer gone from the answer: its row is closed; a new one: inserted.

Then the own offers get their summary (``competitor_count``,
``lowest_competitor_price``, ``repricing_buy_box``...) in one UPDATE.
``SnapshotStore`` is shared with the file import (source "import"), where
only the offers of the file's products are compared.
"""

import hashlib
from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.tools import SQL

CHUNK = 200
DEFAULT_INTERVAL_HOURS = 6
CENT = Decimal("0.01")
# the values compared to tell a change (besides the identity)
VALUE_COLUMNS = (
    "seller",
    "seller_id",
    "seller_type",
    "price",
    "shipping",
    "fulfilment",
    "rating",
    "rating_count",
    "featured",
)
# column -> PostgreSQL array type of the bulk INSERT
INSERT_COLUMNS = {
    "offer_id": "int4",
    "backend_id": "int4",
    "company_id": "int4",
    "product_id": "int4",
    "currency_id": "int4",
    "seller": "varchar",
    "seller_id": "varchar",
    "seller_key": "varchar",
    "seller_type": "varchar",
    "price": "numeric",
    "shipping": "numeric",
    "landed": "numeric",
    "condition": "varchar",
    "fulfilment": "varchar",
    "rating": "float8",
    "rating_count": "int4",
    "featured": "bool",
    "own": "bool",
    "source": "varchar",
}


def seller_key(seller_id, seller):
    """The identity of a seller on a marketplace: its id, else its name,
    stripped and upper-cased."""
    return (seller_id or seller or "").strip().upper()


def _money(value):
    return Decimal(str(value or 0)).quantize(CENT)


def _rating(value):
    return None if value is None else round(float(value), 4)


def row_values(offer):
    """The stored values of a ``CompetitorOffer`` (column -> value)."""
    return {
        "seller": (offer.seller or "").strip() or None,
        "seller_id": (offer.seller_id or "").strip() or None,
        "seller_key": seller_key(offer.seller_id, offer.seller),
        "seller_type": offer.seller_type,
        "price": _money(offer.price),
        "shipping": _money(offer.shipping),
        "condition": offer.condition or None,
        "fulfilment": offer.fulfilment or None,
        "rating": _rating(offer.rating),
        "rating_count": offer.rating_count,
        "featured": bool(offer.featured),
        "own": bool(offer.own),
    }


def _identity(values):
    return (values["seller_key"], values["condition"] or "", bool(values["own"]))


def _comparable(values):
    """The values of a row that tell a change, normalised."""
    result = []
    for name in VALUE_COLUMNS:
        value = values[name]
        if name in ("price", "shipping"):
            value = _money(value)
        elif name == "rating":
            value = _rating(value)
        elif name == "featured":
            value = bool(value)
        else:
            value = value or None
        result.append(value)
    return tuple(result)


def product_rows(product):
    """The rows (column -> value) of a ``ProductOffers``: its own offer
    flagged ``own``, one row per identity (the lowest landed price kept)."""
    offers = list(product.offers)
    if product.own_offer is not None:
        own = product.own_offer
        if not own.own:
            own = type(own)(**{**own.__dict__, "own": True})
        offers.append(own)
    rows = {}
    for offer in offers:
        values = row_values(offer)
        if not values["seller_key"] and not values["own"]:
            continue
        key = _identity(values)
        kept = rows.get(key)
        if kept is None or (values["price"] + values["shipping"]) < (
            kept["price"] + kept["shipping"]
        ):
            rows[key] = values
    return list(rows.values())


class SnapshotStore:
    """Change-only storage of competitor offers for the own offers of one
    account, from one ``source`` ("api" or "import")."""

    def __init__(self, backend, source="api"):
        self.backend = backend
        self.env = backend.env
        self.cr = backend.env.cr
        self.source = source
        self.table = backend.env["mp.competitor.snapshot"]._table

    def _current(self, offer_ids):
        """offer id -> {identity: (row id, comparable values)} of the
        current rows of this source."""
        self.cr.execute(
            SQL(
                "SELECT id, offer_id, seller_key, condition, own, %(columns)s "
                "FROM %(table)s WHERE offer_id = ANY(%(ids)s) AND current "
                "AND source = %(source)s",
                columns=SQL(", ").join(SQL.identifier(c) for c in VALUE_COLUMNS),
                table=SQL.identifier(self.table),
                ids=list(offer_ids),
                source=self.source,
            )
        )
        current = {offer_id: {} for offer_id in offer_ids}
        names = ("id", "offer_id", "seller_key", "condition", "own", *VALUE_COLUMNS)
        for record in self.cr.fetchall():
            values = dict(zip(names, record, strict=True))
            current[values["offer_id"]][_identity(values)] = (
                values["id"],
                _comparable(values),
            )
        return current

    def store(self, rows_by_offer, offers_info, now=None):
        """Store ``rows_by_offer`` (offer id -> the rows of ``product_rows``)
        for the offers described by ``offers_info`` (offer id -> (product id,
        currency id)). Returns ``(inserted, closed, unchanged)`` counts."""
        now = now or fields.Datetime.now()
        current = self._current(rows_by_offer)
        to_close, to_insert, unchanged = [], [], 0
        for offer_id, rows in rows_by_offer.items():
            existing = dict(current.get(offer_id, {}))
            for values in rows:
                found = existing.pop(_identity(values), None)
                if found and found[1] == _comparable(values):
                    unchanged += 1
                    continue
                if found:
                    to_close.append(found[0])
                product_id, currency_id = offers_info[offer_id]
                to_insert.append(
                    {
                        **values,
                        "offer_id": offer_id,
                        "product_id": product_id,
                        "currency_id": currency_id,
                    }
                )
            to_close.extend(row_id for row_id, _values in existing.values())
        self._close(to_close, now)
        self._insert(to_insert, now)
        if to_close or to_insert:
            self.env["mp.competitor.snapshot"].invalidate_model()
        return len(to_insert), len(to_close), unchanged

    def _close(self, row_ids, now):
        if not row_ids:
            return
        self.cr.execute(
            SQL(
                "UPDATE %(table)s SET date_to = %(now)s, current = false, "
                "write_date = %(now)s, write_uid = %(uid)s WHERE id = ANY(%(ids)s)",
                table=SQL.identifier(self.table),
                now=now,
                uid=self.env.uid,
                ids=row_ids,
            )
        )

    def _insert(self, rows, now):
        """One INSERT of every row (one array per column)."""
        if not rows:
            return
        backend = self.backend
        constants = {
            "backend_id": backend.id,
            "company_id": backend.company_id.id,
            "source": self.source,
        }
        arrays = []
        for column, kind in INSERT_COLUMNS.items():
            if column in constants:
                values = [constants[column]] * len(rows)
            elif column == "landed":
                values = [row["price"] + row["shipping"] for row in rows]
            else:
                values = [row[column] for row in rows]
            arrays.append(SQL("%s::%s[]", values, SQL(kind)))
        columns = [*INSERT_COLUMNS, "current", "date_from"]
        audit = ["create_uid", "create_date", "write_uid", "write_date"]
        self.cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(columns)s) "
                "SELECT u.*, true, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s "
                "FROM unnest(%(arrays)s) AS u",
                table=SQL.identifier(self.table),
                columns=SQL(", ").join(SQL.identifier(c) for c in columns + audit),
                now=now,
                uid=self.env.uid,
                arrays=SQL(", ").join(arrays),
            )
        )

    def summarise(self, offer_ids, now, errors=None):
        """Write on the offers what their current rows (every source) say:
        competitor count, lowest landed price, buy box, the reading time;
        ``errors`` (offer id -> text) sets their ``competitors_error`` (the
        others' is cleared)."""
        if not offer_ids:
            return
        errors = errors or {}
        ids = list(offer_ids)
        offers = self.env["mp.offer.binding"]
        offers.flush_model()
        self.env["mp.competitor.snapshot"].flush_model()
        self.cr.execute(
            SQL(
                """
                UPDATE %(offers)s AS o
                   SET competitors_checked_at = %(now)s,
                       competitor_count = COALESCE(s.n, 0),
                       lowest_competitor_price = s.lowest,
                       repricing_buy_box = COALESCE(s.buy_box, false),
                       competitors_error = e.error
                  FROM unnest(%(ids)s::int4[], %(errors)s::varchar[]) AS e(id, error)
                  LEFT JOIN (
                        SELECT offer_id,
                               count(*) FILTER (WHERE NOT own) AS n,
                               min(landed) FILTER (WHERE NOT own) AS lowest,
                               bool_or(own AND featured) AS buy_box
                          FROM %(table)s
                         WHERE offer_id = ANY(%(ids)s) AND current
                         GROUP BY offer_id
                       ) AS s ON s.offer_id = e.id
                 WHERE o.id = e.id
                """,
                offers=SQL.identifier(offers._table),
                table=SQL.identifier(self.table),
                now=now,
                ids=ids,
                errors=[errors.get(offer_id) for offer_id in ids],
            )
        )
        offers.invalidate_model(
            [
                "competitors_checked_at",
                "competitor_count",
                "lowest_competitor_price",
                "repricing_buy_box",
                "competitors_error",
            ]
        )

    def mark_errors(self, errors, now):
        """``errors`` (offer id -> text): the offers' reading failed, their
        rows are left as they are."""
        if not errors:
            return
        offers = self.env["mp.offer.binding"]
        offers.flush_model()
        self.cr.execute(
            SQL(
                "UPDATE %(offers)s AS o SET competitors_checked_at = %(now)s, "
                "competitors_error = e.error FROM unnest(%(ids)s::int4[], "
                "%(errors)s::varchar[]) AS e(id, error) WHERE o.id = e.id",
                offers=SQL.identifier(offers._table),
                now=now,
                ids=list(errors),
                errors=list(errors.values()),
            )
        )
        offers.invalidate_model(["competitors_checked_at", "competitors_error"])


class CompetitorCollection:
    """The collection of competitors' offers of one account."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    # -- scheduling -------------------------------------------------------
    def _interval(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mp_repricing.competitor_interval_hours")
        )
        try:
            return float(value)
        except (TypeError, ValueError):
            return DEFAULT_INTERVAL_HOURS

    def _due_offers(self):
        """The account's active offers a rule owns, not read within the
        interval."""
        Offer = self.env["mp.offer.binding"].sudo()
        Rule = self.env["mp.repricing.rule"].sudo()
        if hasattr(Rule, "_assign_offers"):
            Rule._assign_offers(self.backend)
        domain = [("backend_id", "=", self.backend.id), ("active", "=", True)]
        if "repricing_rule_id" in Offer._fields:
            domain.append(("repricing_rule_id", "!=", False))
        hours = self._interval()
        if hours > 0:
            limit = fields.Datetime.now() - timedelta(hours=hours)
            domain += [
                "|",
                ("competitors_checked_at", "=", False),
                ("competitors_checked_at", "<", limit),
            ]
        return Offer.search(domain, order="competitors_checked_at ASC NULLS FIRST, id")

    def schedule(self, offers=None):
        """Queue one job per chunk of offers; returns the jobs.

        The due offers' jobs are keyed by account and chunk number: while
        a chunk waits in the queue, the next cron does not queue it again.
        Offers asked for (a button) are keyed by their ids."""
        backend = self.backend
        if offers is None:
            offers, scope = self._due_offers(), "due"
        else:
            offers = offers.filtered(lambda o: o.backend_id == backend)
            scope = None
        ids = offers.ids
        jobs = []
        for number, start in enumerate(range(0, len(ids), CHUNK)):
            chunk = ids[start : start + CHUNK]
            if scope:
                key = f"mp_competitors:{backend.id}:{scope}:{number}"
            else:
                digest = hashlib.sha1(
                    ",".join(map(str, chunk)).encode(), usedforsecurity=False
                ).hexdigest()
                key = f"mp_competitors:{backend.id}:{digest}"
            jobs.append(
                backend._enqueue(
                    backend,
                    "_job_collect_competitors",
                    chunk,
                    preset="competitors",
                    identity_key=key,
                    description=self.env._(
                        "%(backend)s: read competitors' offers (%(count)s offers)",
                        backend=backend.name,
                        count=len(chunk),
                    ),
                )
            )
        return jobs

    # -- the job ----------------------------------------------------------
    def _reference(self, offer):
        """What the client is asked for this offer, None when nothing."""
        if self.backend.backend_type == "amazon":
            if offer.marketplace_product_id:
                return ("ASIN", offer.marketplace_product_id)
            return ("SKU", offer.seller_sku) if offer.seller_sku else None
        return offer.ean or offer.product_id.barcode or None

    def collect(self, offer_ids):
        """Read and store the competitors of ``offer_ids``; returns the
        job's result text."""
        backend, env = self.backend, self.env
        offers = env["mp.offer.binding"].sudo().browse(offer_ids).exists()
        offers = offers.filtered(lambda o: o.backend_id == backend)
        now = fields.Datetime.now()
        store = SnapshotStore(backend, "api")
        wanted, errors = {}, {}
        for offer in offers:
            reference = self._reference(offer)
            if reference is None:
                errors[offer.id] = env._(
                    "The offer has no EAN nor barcode to look for."
                )
            else:
                wanted.setdefault(reference, []).append(offer)
        products = []
        if wanted:
            client = backend._get_client()
            with backend._map_errors(what=env._("Competitors' offers")):
                products = client.competitor_offers(list(wanted))
        rows_by_offer, info = {}, {}
        for reference, product in zip(wanted, products, strict=False):
            for offer in wanted[reference]:
                if product.error:
                    errors[offer.id] = str(product.error)[:500]
                    continue
                rows_by_offer[offer.id] = product_rows(product)
                info[offer.id] = (offer.product_id.id, offer.currency_id.id or None)
        for reference in list(wanted)[len(products) :]:
            for offer in wanted[reference]:
                errors[offer.id] = env._("The marketplace did not answer for it.")
        inserted, closed, unchanged = store.store(rows_by_offer, info, now)
        store.summarise(list(rows_by_offer), now)
        store.mark_errors(errors, now)
        message = env._(
            "Competitors' offers of %(offers)s offer(s) read: %(inserted)s new or "
            "changed, %(closed)s closed, %(unchanged)s unchanged, %(errors)s offer(s) "
            "in error.",
            offers=len(rows_by_offer),
            inserted=inserted,
            closed=closed,
            unchanged=unchanged,
            errors=len(errors),
        )
        backend._log_event("warning" if errors else "info", message)
        return message
