"""Readers of the Cdiscount SOAP API's answers, once zeep parsed them.

``plain`` turns a zeep answer into plain JSON (what the order store keeps
as the raw payload of a SOAP order): the keys are the XSD element names,
decimals become texts (``"39.80"``), dates ISO texts as sent (no zone: the
service speaks Paris time), absent elements None. The other functions read
such plain answers and never trust them: every answer extends
``ServiceBaseAPIMessage`` (``OperationSuccess``, ``ErrorMessage``,
``ErrorList``) and a failed operation is an error of the core
(``Quota``: ``ThrottledError``); an ``ArrayOf...`` element may come as None
(zeep reads an empty one so) or as an object whose list is empty (a nil
one): both are empty.
"""

import re
from datetime import date, datetime
from decimal import Decimal

from zeep.helpers import serialize_object

from ..errors import (
    AuthError,
    InvalidPayload,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from ..offers import Listing, ListingPage, PushStatus, first_plain
from ..offers import plain as plain_text
from ..parsing import EARLIEST, Reader, clean_text
from . import common

# ErrorType values and what they mean for the caller
QUOTA_ERRORS = frozenset({"Quota"})
AUTH_ERRORS = frozenset({"SellerNotAuthorized", "InactiveSellerError"})
NOT_FOUND_ERRORS = frozenset(
    {"OrderNotFound", "PackageNotFound", "OfferNotFoundException", "SellerNotFound"}
)
TRANSIENT_ERRORS = frozenset({"UnexpectedException"})
STATE_ERRORS = frozenset({"OrderStateIncoherent", "OrderLineIncoherentState"})
# PackageIntegrationStatus values after which a package changes no more
# (the status is free text: anything else is pending)
PACKAGE_DONE = frozenset({"integrated", "partiallyintegrated", "rejected"})
PACKAGE_FAILED = frozenset({"rejected"})
MAX_PAGES = 100_000  # an offer walk longer than this is a server repeating pages
_TOKEN = re.compile(r"[A-Za-z0-9_.=+/-]{8,512}")


def plain(value):
    """A zeep answer (or part of one) as plain JSON values."""
    return _plain(serialize_object(value, target_cls=dict))


def _plain(value):
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def items(container, key):
    """The entries of an ``ArrayOf...`` element (``{"Order": [...]}``):
    none when it is None, nil (an object with empty members) or empty."""
    if isinstance(container, list):
        return container
    if not isinstance(container, dict):
        return []
    entries = container.get(key)
    if isinstance(entries, dict):
        return [entries]
    return entries if isinstance(entries, list) else []


def errors_of(container):
    """``[(ErrorType, Message)]`` of an ``ArrayOfError`` element."""
    found = []
    for error in items(container, "Error"):
        if isinstance(error, dict):
            kind = common.text(error, "ErrorType", 100) or "UnknownError"
            found.append((kind, common.text(error, "Message", 1000) or ""))
    return found


def describe(errors, fallback=""):
    """One text for ``errors`` (from ``errors_of``)."""
    text = "; ".join(
        f"{kind}: {message}" if message else kind for kind, message in errors
    )
    return clean_text(text or fallback or "no reason given", 2000)


def check_success(result, operation):
    """Raise the core's error for an answer whose operation failed
    (``OperationSuccess`` false, or absent with errors listed); return the
    answer (a dict) otherwise."""
    if not isinstance(result, dict):
        raise TransientError(f"{operation}: the answer holds no result")
    success = result.get("OperationSuccess")
    errors = errors_of(result.get("ErrorList"))
    if success is True or (success is None and not errors):
        return result
    kinds = {kind for kind, _message in errors}
    message = f"{operation}: " + describe(
        errors, common.text(result, "ErrorMessage", 1000)
    )
    code = errors[0][0] if errors else None
    if kinds & QUOTA_ERRORS:
        raise ThrottledError(message)
    if kinds & AUTH_ERRORS:
        raise AuthError(message)
    if kinds & TRANSIENT_ERRORS:
        raise TransientError(message)
    if kinds & NOT_FOUND_ERRORS:
        raise NotFound(message)
    raise RemoteError(message, code=code)


def read_sts_token(content):
    """The token of an STS answer: ``<string xmlns=...>hex</string>`` (or
    the bare text); ``TransientError`` when the answer holds none."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else ""
    match = re.fullmatch(
        r"\s*(?:<\?xml[^>]*\?>)?\s*<string[^>]*>([^<]*)</string>\s*", text
    )
    token = (match.group(1) if match else text).strip()
    if not _TOKEN.fullmatch(token):
        raise TransientError("sts: the answer holds no token")
    return token


# -- orders ----------------------------------------------------------------
def read_order_list(result, operation="GetOrderList"):
    """The raw orders (plain dicts) of a ``GetOrderList`` answer; an entry
    that is not an object is an unreadable answer."""
    check_success(result, operation)
    orders = items(result.get("OrderList"), "Order")
    if any(not isinstance(order, dict) for order in orders):
        raise TransientError(f"{operation}: the order list holds a non-order")
    return orders


def order_key(order):
    """``(last change, OrderNumber)`` of a raw order, the paging order of
    the SOAP client; None when it has no usable number."""
    reader = Reader()
    number = reader.identifier(order, "OrderNumber", "", required=False)
    if not number:
        return None
    for key in ("ModifiedDate", "LastUpdatedDate", "CreationDate"):
        try:
            return common.parse_paris_datetime(order.get(key)), number
        except (TypeError, ValueError, OverflowError):
            continue
    return EARLIEST, number


def read_validation(result, number):
    """``(validated, errors)`` of order ``number`` in a
    ``ValidateOrderList`` answer: ``errors`` are the order's and its lines'
    ``(ErrorType, Message)``."""
    check_success(result, "ValidateOrderList")
    outcomes = items(result.get("ValidateOrderResults"), "ValidateOrderResult")
    for outcome in outcomes:
        if not isinstance(outcome, dict) or outcome.get("OrderNumber") != number:
            continue
        errors = errors_of(outcome.get("Errors"))
        lines = items(
            outcome.get("ValidateOrderLineResults"), "ValidateOrderLineResult"
        )
        for line in lines:
            if isinstance(line, dict) and line.get("Updated") is False:
                sku = common.text(line, "SellerProductId") or "?"
                errors += [
                    (kind, f"line {sku}: {message}")
                    for kind, message in errors_of(line.get("Errors"))
                ]
        return outcome.get("Validated") is True, errors
    raise TransientError(
        f"ValidateOrderList: the answer says nothing of order {number}"
    )


# -- offers ----------------------------------------------------------------
def read_package_id(result):
    """The ``PackageId`` of a ``SubmitOfferPackage`` answer; -1 (Cdiscount
    refused the package) is a ``RemoteError`` with its reason."""
    check_success(result, "SubmitOfferPackage")
    package_id = result.get("PackageId")
    if isinstance(package_id, bool) or not isinstance(package_id, int):
        raise TransientError("SubmitOfferPackage: the answer has no package id")
    if package_id <= 0:
        errors = errors_of(result.get("ErrorList"))
        reason = describe(errors, common.text(result, "ErrorMessage", 1000))
        raise RemoteError(
            f"SubmitOfferPackage: Cdiscount refused the package: {reason}",
            code=errors[0][0] if errors else None,
        )
    return str(package_id)


def _offer_error(log):
    """The reason Cdiscount gives for an offer it did not integrate."""
    messages = []
    for prop in items(log.get("PropertyList"), "OfferReportPropertyLog"):
        if not isinstance(prop, dict):
            continue
        message = common.text(prop, "LogMessage", 1000) or common.text(
            prop, "PropertyError", 500
        )
        name = common.text(prop, "Name") or common.text(prop, "PropertyCode")
        if message:
            messages.append(f"{name}: {message}" if name else message)
    status = common.text(log, "OfferIntegrationStatus") or "not integrated"
    return clean_text("; ".join(messages) or status, 2000)


def package_status(result):
    """The ``PushStatus`` of a ``GetOfferPackageSubmissionResult`` answer:
    pending until the status is a final one; the offers Cdiscount did not
    validate are in ``errors`` with their reasons; errors it counts but no
    offer can be blamed for fail the package."""
    check_success(result, "GetOfferPackageSubmissionResult")
    status = common.text(result, "PackageIntegrationStatus", 100)
    if not status or status.lower() not in PACKAGE_DONE:
        return PushStatus(done=False, message=status or "unknown integration status")
    errors, read = {}, 0
    for log in items(result.get("OfferLogList"), "OfferReportLog"):
        if not isinstance(log, dict):
            continue
        read += 1
        sku = Reader().identifier(log, "SellerProductId", "", required=False)
        if sku and log.get("Validated") is not True:
            reason = _offer_error(log)
            errors[sku] = (
                clean_text(f"{errors[sku]}; {reason}", 2000)
                if sku in errors
                else reason
            )
    counted = Reader().count(result, "NumberOfErrors", "")
    failed = status.lower() in PACKAGE_FAILED and not read
    failed = failed or (bool(counted) and not errors)
    return PushStatus(
        done=True,
        failed=failed,
        message=status if not failed else f"{status}: {counted or 0} error(s)",
        errors=errors,
        lines_read=read or None,
        lines_in_error=counted if counted is not None else len(errors),
    )


def map_listing(offer):
    """The ``Listing`` of a ``GetOfferList(Paginated)`` offer; an offer
    that cannot be read raises ``InvalidPayload`` with every reason."""
    if not isinstance(offer, dict):
        raise InvalidPayload(f"offer: expected an object, got {type(offer).__name__}")
    r = Reader()
    sku = r.identifier(offer, "SellerProductId", "")
    quantity = r.count(offer, "Stock", "")
    price = r.amount(offer, "Price", "")
    ean = r.identifier(offer, "ProductEan", "", required=False)
    product = r.identifier(offer, "ProductId", "", required=False)
    r.raise_if_errors()
    return Listing(
        sku=sku,
        eans=(ean,) if ean else (),
        marketplace_product_id=product,
        quantity=quantity,
        price=price,
        currency=common.CURRENCY,
        condition=common.text(offer, "ProductCondition", 50),
        active=offer.get("OfferState") == "Active",
        raw=offer,
    )


def offer_values(result):
    """``{SKU: Listing}`` of the offers of a ``GetOfferList`` answer that
    can be read."""
    check_success(result, "GetOfferList")
    values = {}
    for offer in items(result.get("OfferList"), "Offer"):
        try:
            listing = map_listing(offer)
        except InvalidPayload:
            continue
        values.setdefault(listing.sku, listing)
    return values


def listing_parts(raw):
    """What can be read of an offer ``map_listing`` refused."""
    record = raw if isinstance(raw, dict) else {}
    ean = first_plain([record], ["ProductEan"], 50)
    return Listing(
        sku=first_plain([record], ["SellerProductId"]) or "",
        eans=(ean,) if ean else (),
        marketplace_product_id=first_plain([record], ["ProductId"]),
        condition=plain_text(record.get("ProductCondition"), 50),
        raw=record,
        problem="unreadable offer",
    )


def read_page_number(page):
    """The page number a listing page token of ours stands for."""
    if page in (None, ""):
        return 1
    text = str(page)
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 6):
        raise InvalidPayload(f"GetOfferListPaginated: page {text[:40]!r} is not a page")
    return max(1, int(text))


def listing_page(result, number):
    """The ``ListingPage`` of page ``number`` of a ``GetOfferListPaginated``
    answer: unreadable offers in ``invalid``, the next page while
    ``CurrentPageNumber`` is before ``NumberOfPages``."""
    check_success(result, "GetOfferListPaginated")
    listings, invalid = [], []
    for offer in items(result.get("OfferList"), "Offer"):
        try:
            listings.append(map_listing(offer))
        except InvalidPayload as err:
            invalid.append((offer, str(err)))
    reader = Reader()
    pages = reader.count(result, "NumberOfPages", "GetOfferListPaginated")
    reader.raise_if_errors()
    more = pages is not None and number < pages and bool(listings or invalid)
    if more and number + 1 > MAX_PAGES:
        raise InvalidPayload(f"GetOfferListPaginated: paging goes on past {MAX_PAGES}")
    return ListingPage(
        listings=listings,
        next_page=str(number + 1) if more else None,
        invalid=invalid,
    )


def read_carriers(result):
    """``[{code, label, tracking_url, id}]`` of a ``GetGlobalConfiguration``
    answer: the code is the carrier's name, which ValidateOrderList takes as
    ``CarrierName``; an entry without a name is left out."""
    check_success(result, "GetGlobalConfiguration")
    carriers = []
    for entry in items(result.get("CarrierList"), "Carrier"):
        reader = Reader()
        name = reader.identifier(entry, "Name", "carrier")
        if reader.errors:
            continue
        carriers.append(
            {
                "code": name,
                "label": name,
                "tracking_url": common.text(entry, "DefaultURL", 1000),
                "id": entry.get("CarrierId")
                if isinstance(entry.get("CarrierId"), int)
                else None,
            }
        )
    return carriers


def read_seller(result):
    """What ``GetSellerInformation`` says of the account."""
    check_success(result, "GetSellerInformation")
    seller = result.get("Seller") if isinstance(result.get("Seller"), dict) else {}
    login = common.text(seller, "Login") or common.text(result, "SellerLogin")
    return {
        "name": common.text(seller, "ShopName") or login or "Cdiscount",
        "login": login,
        "email": common.text(seller, "Email"),
        "state": common.text(seller, "State", 50),
        "shop_url": common.text(seller, "ShopUrl", 500),
    }
