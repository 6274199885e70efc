"""Reading the Fnac answers (as ``element_to_json`` makes them): paging,
orders_update outcomes, carriers.

Paging (orders_query, messages_query, incidents_query) goes by page number
over a window of update dates. The window's upper bound is fixed on the
first page (the base's ``updated_before``, else the time of the first page),
so an order updated during the walk can only leave the window (its new
update date is beyond the bound; the next run, which starts before the
bound, reads it), never enter it. Leaving shifts the later orders one place
back: the order crossing a page boundary would be read by no page. The page
token therefore carries the smallest ``nb_total_result`` seen; when an
answer of page ``m`` reports ``d`` fewer, ``d`` orders left before it was
read, so the ``d`` orders after page ``m - 1`` slid into its range: the walk
steps back to page ``m - ceil(d / nb_total_per_page)`` (re-reading is
harmless: the base's upsert is idempotent), then goes on after page ``m``
(read at the new total already). Totals only go down for a step back, so
the walk ends. The token: ``<page>|<min>|<max>|<smallest total>|<furthest
page read at it>``.

The window's end being fixed, an order whose update date is past it (a
server clock ahead of ours) is read by the next run, whose window starts
before this one's end.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidPayload, TransientError
from .xmlapi import describe, errors_of, items, stamp, text_of

MAX_PAGES = 100_000  # a walk longer than this is a server repeating pages


def whole(value):
    """A JSON leaf as an int, None when absent or not a whole number."""
    text = text_of(value)
    if text and text[0] in "+-":
        sign, text = text[0], text[1:]
    else:
        sign = ""
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        return None
    return int(sign + text)


@dataclass(frozen=True)
class PageInfo:
    page: int | None
    total_paging: int | None
    per_page: int | None
    total: int | None


def page_info(doc):
    return PageInfo(
        whole(doc.get("page")),
        whole(doc.get("total_paging")),
        whole(doc.get("nb_total_per_page")),
        whole(doc.get("nb_total_result")),
    )


@dataclass(frozen=True)
class Walk:
    """Where a paged walk of a window stands: the page to read, the
    window, the smallest total seen so far and the furthest page read at
    that total (after a step back, the pages up to it need no second
    read)."""

    page: int
    begin: datetime
    end: datetime
    seen: int | None = None
    ahead: int | None = None

    def dump(self, prefix=""):
        parts = [
            str(self.page),
            stamp(self.begin),
            stamp(self.end),
            _str(self.seen),
            _str(self.ahead),
        ]
        return "|".join([prefix, *parts] if prefix else parts)

    @classmethod
    def load(cls, token, what):
        parts = str(token).split("|")
        try:
            if len(parts) != 5 or not all(_number(parts[i]) for i in (0, 3, 4)):
                raise ValueError("not a page token")
            begin, end = (_aware(parts[i]) for i in (1, 2))
            page, seen, ahead = (int(parts[i]) if parts[i] else None for i in (0, 3, 4))
            if page is None or page < 1:
                raise ValueError("out of range")
        except ValueError:
            raise InvalidPayload(
                f"{what}: page {str(token)[:80]!r} is not a page of this client"
            ) from None
        return cls(page, begin, end, seen, ahead)

    def following(self, info, page_size, what):
        """The walk after reading ``self.page`` whose answer said ``info``;
        None at the end."""
        per_page = info.per_page if info.per_page and info.per_page > 0 else page_size
        total = info.total
        if total is not None and self.seen is not None and total < self.seen:
            back = math.ceil((self.seen - total) / per_page)
            page = max(1, self.page - back)
            return Walk(page, self.begin, self.end, total, self.page)
        seen = self.seen if self.seen is not None else total
        following = max(self.page, self.ahead or 0) + 1
        if info.total_paging is not None:
            more = following <= info.total_paging
        else:  # no count: a full page says there may be more
            more = info.per_page is not None and info.per_page >= page_size
        if not more:
            return None
        if following > MAX_PAGES:
            raise InvalidPayload(f"{what}: paging goes on past {MAX_PAGES} pages")
        return Walk(following, self.begin, self.end, seen, self.ahead)


def _number(text):
    return text == "" or (text.isascii() and text.isdigit() and len(text) <= 9)


def _str(value):
    return "" if value is None else str(value)


def _aware(text):
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("naive date")
    return when


# ----------------------------------------------------------------------
# orders_update
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class OrderResult:
    """What an orders_update answer says of one order."""

    order_id: str
    status: str  # OK, WARNING, ERROR...
    state: str | None
    errors: tuple  # (code, text) of the order and of its details

    @property
    def applied(self):
        return self.status in ("OK", "WARNING")

    @property
    def reason(self):
        return describe(self.errors) if self.errors else f"status {self.status}"


def update_results(doc):
    """order id -> ``OrderResult`` of an orders_update answer (an order
    named twice: its first record)."""
    results = {}
    for order in items(doc.get("order")):
        order_id = text_of(order.get("order_id"))
        if not order_id or order_id in results:
            continue
        errors = list(errors_of(order))
        for detail in items(order.get("order_detail")):
            for code, message in errors_of(detail):
                line = text_of(detail.get("order_detail_id")) or "?"
                errors.append((code, f"line {line}: {message}"))
        results[order_id] = OrderResult(
            order_id=order_id,
            status=text_of(order.get("status")).upper() or "ERROR",
            state=text_of(order.get("state")) or None,
            errors=tuple(errors),
        )
    return results


def root_errors(doc):
    """``(code, text)`` of the root-level errors of an answer."""
    return errors_of(doc)


def read_orders(doc, operation):
    """The orders (JSON, as stored) of an orders_query answer."""
    if not isinstance(doc, dict):
        raise TransientError(f"{operation}: the answer is not a document")
    orders = doc.get("order")
    if orders is None:
        return []
    return orders if isinstance(orders, list) else [orders]


def read_carriers(doc):
    """carriers_query: ``[{code, label, tracking_url}]``, codes unique, in
    Fnac's order."""
    carriers, seen = [], set()
    for carrier in items(doc.get("carrier")):
        code = str(carrier.get("@code") or "").strip()
        label = text_of(carrier.get("name")) or code
        if code and code not in seen:
            seen.add(code)
            carriers.append({"code": code, "label": label, "tracking_url": None})
    return carriers
