"""Reading Fnac Darty requests (ElementTree roots of ``request.xml()``):
children by local name, texts, integers, dates, paging, and the query
filters shared by the services. Bad values raise ``HttpError`` with a Fnac
error code (the emulator's own checks, with or without XSD validation).

Dates of filters: ``min`` and ``max`` are both inclusive; a date-time
without offset is Europe/Paris time.
"""

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ..http import local_name
from .fnac_data import PARIS
from .server import HttpError

MAX_ORDERS_PAGE = 500
MAX_OFFERS_PAGE = 10_000


def fail(code, message, status=400):
    """The ``HttpError`` of a root-level Fnac error."""
    return HttpError(status, message, errors=[{"code": code, "message": message}])


def children(element, name):
    return [child for child in element if local_name(child.tag) == name]


def child(element, name):
    return next((c for c in element if local_name(c.tag) == name), None)


def text_of(element, name=None, default=None):
    """The stripped text of ``element`` (or of its child ``name``);
    ``default`` when absent."""
    if name is not None:
        element = child(element, name)
    if element is None:
        return default
    return (element.text or "").strip()


def integer(value, what, minimum=None):
    try:
        number = int(str(value).strip())
    except ValueError:
        raise fail("ERR_106", f"{what} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise fail("ERR_106", f"{what} must be {minimum} or more, not {number}")
    return number


def decimal_or_none(value):
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def parse_date(value, what):
    """An aware datetime of an xs:dateTime (offset-less: Europe/Paris)."""
    text = str(value or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise fail("ERR_106", f"{what}: not a date-time {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def page_size(root, maximum, default=100):
    """``results_count`` (clamped to ``maximum``: ``nb_total_per_page``
    says the size served)."""
    value = root.get("results_count")
    if value is None:
        return default
    return min(integer(value, "results_count", 1), maximum)


def page_number(root):
    paging = child(root, "paging")
    return 1 if paging is None else integer(paging.text or "", "paging", 1)


def page_of(items, page, size):
    """(the items of page ``page``, total pages)."""
    total_paging = math.ceil(len(items) / size) if items else 0
    start = (page - 1) * size
    return items[start : start + size], total_paging


def date_windows(root):
    """[(type, min or None, max or None)] of the ``date`` elements."""
    windows = []
    for element in children(root, "date"):
        kind = element.get("type")
        if not kind:
            raise fail("ERR_106", "date: the type attribute is required")
        low, high = text_of(element, "min"), text_of(element, "max")
        windows.append(
            (
                kind,
                parse_date(low, "date/min") if low else None,
                parse_date(high, "date/max") if high else None,
            )
        )
    return windows


def in_window(moment, low, high):
    if moment is None:
        return False
    return (low is None or moment >= low) and (high is None or moment <= high)


def texts(root, name, container=None, limit=None, code="ERR_107"):
    """The texts of every ``name`` child of ``root`` and of its
    ``container`` children's ``name`` children; at most ``limit`` in one
    container."""
    values = [text_of(element) for element in children(root, name)]
    for group in children(root, container) if container else ():
        items = children(group, name)
        if limit is not None and len(items) > limit:
            raise fail(
                code,
                f"{container}: at most {limit} {name} per request, not {len(items)}",
            )
        values += [text_of(element) for element in items]
    return values


def sort_direction(value, default="ASC"):
    value = (value or default).strip().upper()
    if value not in ("ASC", "DESC"):
        raise fail("ERR_106", f"sort_by must be ASC or DESC, not {value!r}")
    return value
