"""Readers of SP-API answers other than orders, as pure functions.

The client (``mphub.amazon.client``) calls these on the payloads it gets,
so that every answer can be checked without HTTP (``tests/fuzz``). Each one
returns sane values or raises the core's errors: ``InvalidPayload`` with
reasons naming the field, or ``TransientError`` for an answer to ask again.

- listings (searchListingsItems): ``map_listing_item``, ``read_listing_page``;
- stock and price pushes: ``patch_answer_errors`` (patchListingsItem),
  ``read_feed`` (getFeed), ``read_processing_report`` and ``feed_push_status``
  (the JSON_LISTINGS_FEED processing report);
- paging: ``PageTokens`` remembers the tokens a walk has used, so that a
  token the server repeats ends in an error instead of an endless walk;
  ``read_orders_page`` and ``read_order_items_page`` read the tokens of
  getOrders and getOrderItems, ``read_search_page`` those of searchOrders
  (v2026-01-01), ``read_order`` its getOrder's order;
- shipments: ``shippable_items`` (the items of getOrder/getOrderItems, or
  of v2026-01-01's getOrder, that confirmShipment needs),
  ``quantities_to_ship`` and ``package_detail`` (what it declares).
"""

import hashlib
import json

from ..errors import InvalidPayload, RemoteError, TransientError
from ..offers import Listing, ListingPage, PushStatus, first_plain, plain
from ..parsing import Reader, clean_text, identifier_problem, load_json_document

# the processingStatus values of the Feeds API 2021-06-30
FEED_PENDING = frozenset({"IN_QUEUE", "IN_PROGRESS"})
FEED_STATUSES = FEED_PENDING | {"CANCELLED", "DONE", "FATAL"}
# the submission statuses of patchListingsItem (Listings Items 2021-08-01)
PATCH_STATUSES = frozenset({"ACCEPTED", "INVALID", "VALID"})
LISTING_STATUSES = frozenset({"BUYABLE", "DISCOVERABLE"})
MAX_LISTING_PAGES = 100_000  # 2 million listings at 20 a page
MAX_ITEM_PAGES = 100  # getOrderItems pages of one order
REMEMBERED_TOKENS = 64  # tokens a page state keeps, to spot cycles
MAX_ISSUE_TEXT = 500


# ----------------------------------------------------------------------
# listings
# ----------------------------------------------------------------------
def map_listing_item(item, marketplace_id):
    """A searchListingsItems ``Item`` as a ``Listing`` (quantity of the
    merchant-fulfilled channel, price of the B2C offer on
    ``marketplace_id``). Raises ``InvalidPayload`` with every reason."""
    if not isinstance(item, dict):
        raise InvalidPayload("listing: the item is not an object")
    reader = Reader()
    sku = reader.identifier(item, "sku", "item")
    summaries = reader.records(item, "summaries", "item")
    summary, spath = {}, "item.summaries[0]"
    for index, entry in enumerate(summaries):
        if entry.get("marketplaceId") == marketplace_id or not summary:
            summary, spath = entry, f"item.summaries[{index}]"
            if entry.get("marketplaceId") == marketplace_id:
                break
    status = reader.texts(summary, "status", spath)
    attributes = reader.obj(item, "attributes", "item", required=False) or {}
    asin = reader.identifier(summary, "asin", spath, required=False)
    listing = {
        "eans": _listing_eans(reader, attributes),
        "marketplace_product_id": asin,
        "external_id": asin,
        "quantity": _listing_quantity(reader, item, attributes),
        "condition": reader.identifier(summary, "conditionType", spath, False),
        "active": "BUYABLE" in status or not status,
        "title": reader.text(summary, "itemName", spath, max_length=500),
    }
    price, currency = _listing_price(reader, item, attributes, marketplace_id)
    reader.raise_if_errors()
    return Listing(sku=sku, price=price, currency=currency, raw=item, **listing)


def listing_parts(item):
    """What can be read of a listings ``Item`` ``map_listing_item`` refused,
    as a partial ``Listing`` (``sku`` "" when none is readable), for the
    listing review staff sees."""
    if not isinstance(item, dict):
        return Listing(sku="")
    summaries = item.get("summaries")
    summaries = (
        [s for s in summaries if isinstance(s, dict)]
        if isinstance(summaries, list)
        else []
    )
    attributes = item.get("attributes")
    idents = (
        attributes.get("externally_assigned_product_identifier")
        if isinstance(attributes, dict)
        else None
    )
    eans = []
    for ident in idents if isinstance(idents, list) else ():
        value = plain(ident.get("value"), 50) if isinstance(ident, dict) else None
        if value and value not in eans:
            eans.append(value)
    return Listing(
        sku=first_plain([item], ("sku",)) or "",
        eans=tuple(eans),
        title=first_plain(summaries, ("itemName",)),
        marketplace_product_id=first_plain(summaries, ("asin",)),
        condition=first_plain(summaries, ("conditionType",)),
        raw=item,
    )


def _listing_eans(reader, attributes):
    path = "item.attributes.externally_assigned_product_identifier"
    eans = []
    for index, ident in enumerate(
        reader.records(
            attributes, "externally_assigned_product_identifier", "item.attributes"
        )
    ):
        value = reader.identifier(ident, "value", f"{path}[{index}]", False, None, True)
        if value and value not in eans:
            eans.append(value)
    return tuple(eans)


def _listing_quantity(reader, item, attributes):
    """The merchant-fulfilled (DEFAULT channel) quantity, or None."""
    quantity = None
    for index, entry in enumerate(
        reader.records(item, "fulfillmentAvailability", "item")
    ):
        if entry.get("fulfillmentChannelCode") == "DEFAULT":
            path = f"item.fulfillmentAvailability[{index}]"
            quantity = reader.count(entry, "quantity", path)
    if quantity is None:
        entries = reader.records(
            attributes, "fulfillment_availability", "item.attributes"
        )
        for index, entry in enumerate(entries):
            if entry.get("fulfillment_channel_code") == "DEFAULT":
                path = f"item.attributes.fulfillment_availability[{index}]"
                quantity = reader.count(entry, "quantity", path)
    return quantity


def _listing_price(reader, item, attributes, marketplace_id):
    """``(price, currency)`` of the B2C offer on ``marketplace_id``."""
    for index, offer in enumerate(reader.records(item, "offers", "item")):
        if offer.get("marketplaceId") != marketplace_id or offer.get(
            "offerType"
        ) not in (None, "B2C"):
            continue
        path = f"item.offers[{index}]"
        price = reader.obj(offer, "price", path, required=False) or {}
        amount = reader.amount(price, "amount", f"{path}.price")
        if amount is not None:
            return amount, _currency(reader, price, "currencyCode", f"{path}.price")
    for index, offer in enumerate(
        reader.records(attributes, "purchasable_offer", "item.attributes")
    ):
        if offer.get("marketplace_id") != marketplace_id:
            continue
        if offer.get("audience", "ALL") != "ALL":
            continue
        path = f"item.attributes.purchasable_offer[{index}]"
        for p_index, our_price in enumerate(reader.records(offer, "our_price", path)):
            p_path = f"{path}.our_price[{p_index}]"
            for s_index, slot in enumerate(
                reader.records(our_price, "schedule", p_path)
            ):
                if "value_with_tax" in slot:
                    amount = reader.amount(
                        slot, "value_with_tax", f"{p_path}.schedule[{s_index}]"
                    )
                    return amount, _currency(reader, offer, "currency", path)
    return None, None


def _currency(reader, data, key, path):
    code = reader.identifier(data, key, path, required=False)
    if code is not None and not (
        len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()
    ):
        reader.fail(f"{path}.{key}", f"not a currency: {code!r}")
        return None
    return code


def read_listing_page(payload, marketplace_id, tokens, pagination=None):
    """The ``ListingPage`` of a searchListingsItems payload; ``tokens``: the
    ``PageTokens`` of the walk, its ``next_page`` carries them on;
    ``pagination``: the answer's ``pagination`` object when the library took
    it out of the payload."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise TransientError("searchListingsItems: the answer has no item list")
    good, invalid = [], []
    for item in payload["items"]:
        try:
            good.append(map_listing_item(item, marketplace_id))
        except InvalidPayload as err:
            invalid.append((item, "; ".join(err.reasons)))
    reader = Reader()
    total = reader.count(payload, "numberOfResults", "searchListingsItems")
    if pagination is None:
        pagination = payload.get("pagination")
    pagination = reader.obj({"pagination": pagination}, "pagination", "", False) or {}
    token = read_token(reader, pagination, "nextToken", "pagination")
    reader.raise_if_errors()
    following = tokens.following(token, "pagination.nextToken", MAX_LISTING_PAGES)
    return ListingPage(listings=good, next_page=following, total=total, invalid=invalid)


# ----------------------------------------------------------------------
# paging
# ----------------------------------------------------------------------
MAX_TOKEN = 16384  # characters of a page token


def read_token(reader, data, key, path):
    """A page token: None when absent or empty, else a text without control
    characters of at most ``MAX_TOKEN`` characters (anything else is an
    error recorded on ``reader``)."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None or value == "":
        return None
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_TOKEN
        or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)
    ):
        reader.fail(f"{path}.{key}", f"not a page token: {str(value)[:40]!r}")
        return None
    return value


def _digest(token):
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]


class PageTokens:
    """The page tokens a walk has used (their digests, the last
    ``REMEMBERED_TOKENS``) and its page count, carried in our own page
    token: a server token seen before, or more pages than any real walk,
    is ``InvalidPayload``."""

    def __init__(self, token=None, seen=(), pages=0):
        self.token = token
        self.seen = list(seen)[-REMEMBERED_TOKENS:]
        self.pages = pages

    @classmethod
    def load(cls, page):
        """The state of ``page``: ours (JSON), or a bare server token."""
        if page in (None, ""):
            return cls()
        if not isinstance(page, str):
            raise InvalidPayload(f"page token {page!r} is not a text")
        if page.startswith("{"):
            try:
                state = json.loads(page)
            except (ValueError, RecursionError):
                state = None
            if (
                isinstance(state, dict)
                and isinstance(state.get("token"), str)
                and isinstance(state.get("seen"), list)
                and all(isinstance(s, str) for s in state["seen"])
                and isinstance(state.get("pages"), int)
            ):
                return cls(state["token"], state["seen"], state["pages"])
        return cls(page)

    def used(self):
        """The digests of every token of the walk, the current one too."""
        seen = set(self.seen)
        if self.token:
            seen.add(_digest(self.token))
        return seen

    def advance(self, token, field, max_pages):
        """The state after a page whose next token is ``token`` (None at the
        end); raises ``InvalidPayload`` when ``token`` was used before."""
        if not token:
            return None
        digest = _digest(token)
        if digest in self.used():
            raise InvalidPayload(f"{field}: the server repeats an earlier page token")
        if self.pages + 1 >= max_pages:
            raise InvalidPayload(f"{field}: paging goes on past {max_pages} pages")
        seen = self.seen + ([_digest(self.token)] if self.token else [])
        return PageTokens(token, seen, self.pages + 1)

    def following(self, token, field, max_pages):
        """``advance`` as our page token (a text), None at the end."""
        state = self.advance(token, field, max_pages)
        return state.dump() if state else None

    def dump(self):
        return json.dumps(
            {"token": self.token, "seen": self.seen, "pages": self.pages},
            separators=(",", ":"),
        )


def read_orders_page(payload):
    """``(orders, next_token)`` of a getOrders payload; the orders are kept
    raw (the order mapping judges them)."""
    return _read_page(payload, "Orders", "getOrders", "order")


def read_order_items_page(payload):
    """``(items, next_token)`` of a getOrderItems payload (items kept raw)."""
    return _read_page(payload, "OrderItems", "getOrderItems", "item")


def read_search_page(payload, pagination=None):
    """``(orders, next_token)`` of a searchOrders (v2026-01-01) answer, which
    has no payload wrapper: python-amazon-sp-api takes its ``pagination``
    out of the payload (given here) and keeps the rest; the orders are
    kept raw."""
    if not isinstance(payload, dict) or not isinstance(payload.get("orders"), list):
        raise TransientError("searchOrders: the answer has no order list")
    if pagination is None:
        pagination = payload.get("pagination")
    reader = Reader()
    pagination = reader.obj({"pagination": pagination}, "pagination", "", False) or {}
    token = read_token(reader, pagination, "nextToken", "searchOrders.pagination")
    reader.raise_if_errors()
    return list(payload["orders"]), token


def read_order(payload):
    """The order of a getOrder (v2026-01-01) answer, ``{"order": {...}}``."""
    order = payload.get("order") if isinstance(payload, dict) else None
    if not isinstance(order, dict):
        raise TransientError("getOrder: the answer has no order")
    return order


def _read_page(payload, key, operation, what):
    if not isinstance(payload, dict) or not isinstance(payload.get(key), list):
        raise TransientError(f"{operation}: the answer has no {what} list")
    reader = Reader()
    token = read_token(reader, payload, "NextToken", operation)
    reader.raise_if_errors()
    return list(payload[key]), token


# ----------------------------------------------------------------------
# stock and price pushes
# ----------------------------------------------------------------------
def _issues_text(reader, data, path):
    """``code: message`` of the error issues of ``data`` (a severity the
    contract does not name counts as an error: an unknown issue must not
    pass for a success)."""
    return [
        _issue_text(issue)
        for issue in reader.records(data, "issues", path)
        if issue.get("severity") not in ("WARNING", "INFO")
    ]


def _issue_text(issue):
    code = clean_text(issue.get("code"), 100) if isinstance(issue, dict) else ""
    message = clean_text(issue.get("message"), MAX_ISSUE_TEXT)
    text = f"{code}: {message}" if code else message
    return text or "refused by Amazon"


def patch_answer_errors(payload):
    """The error text of a patchListingsItem answer, None when accepted.

    Only ACCEPTED without error issues is a success; INVALID, VALID (a
    validation preview, nothing applied) and unknown statuses are errors."""
    reader = Reader()
    if not isinstance(payload, dict):
        raise TransientError("patchListingsItem: the answer is not an object")
    status = payload.get("status")
    problems = _issues_text(reader, payload, "patchListingsItem")
    if reader.errors:
        raise InvalidPayload(reader.errors)
    if status == "ACCEPTED" and not problems:
        return None
    if not problems:
        shown = status if isinstance(status, str) else repr(status)
        problems = [f"submission status {clean_text(shown, 80)}"]
    return clean_text("; ".join(problems), 2000)


def read_feed(feed):
    """``(processingStatus, resultFeedDocumentId)`` of a getFeed payload;
    a status the contract does not name reads as ``None`` (still pending,
    never done)."""
    if not isinstance(feed, dict):
        raise TransientError("getFeed: the answer is not an object")
    status = feed.get("processingStatus")
    if not isinstance(status, str) or status not in FEED_STATUSES:
        status = None
    reader = Reader()
    document_id = reader.identifier(
        feed, "resultFeedDocumentId", "getFeed", required=False
    )
    reader.raise_if_errors()
    return status, document_id


def read_processing_report(content):
    """The issues and summary of a JSON_LISTINGS_FEED processing report
    (bytes, gzipped or not, or text). A document cut short or not UTF-8 is
    a ``TransientError``; a readable one of the wrong shape
    ``InvalidPayload``. Returns ``{"issues": [...], "summary": {...}}``
    where each issue is ``{"sku", "message_id", "error", "text"}``."""
    report = load_json_document(content, "processing report")
    if not isinstance(report, dict):
        raise InvalidPayload("processing report: not an object")
    reader = Reader()
    issues = []
    for index, issue in enumerate(reader.records(report, "issues", "report")):
        path = f"report.issues[{index}]"
        issues.append(
            {
                "sku": reader.identifier(issue, "sku", path, required=False),
                "message_id": reader.count(issue, "messageId", path),
                "error": issue.get("severity") not in ("WARNING", "INFO"),
                "text": _issue_text(issue),
            }
        )
    summary_raw = reader.obj(report, "summary", "report", required=False) or {}
    summary = {}
    for key in ("messagesProcessed", "messagesAccepted", "messagesInvalid"):
        summary[key] = reader.count(summary_raw, key, "report.summary")
    reader.raise_if_errors()
    return {"issues": issues, "summary": summary}


def feed_push_status(status, report, skus=None):
    """The ``PushStatus`` of a feed whose ``read_feed`` status is
    ``status`` and whose ``read_processing_report`` is ``report`` (None:
    no document). ``skus``: the pushed SKUs in message order, for issues
    naming only their message id.

    Never a success by default: an unknown status is pending, DONE without
    a report is asked again, and an error no offer can be blamed for fails
    the whole batch (its offers are pushed again)."""
    if status is None:
        return PushStatus(done=False, message="unknown processing status")
    if status in FEED_PENDING:
        return PushStatus(done=False, message=status)
    if status == "CANCELLED":
        return PushStatus(done=True, failed=True, message="CANCELLED")
    issues = (report or {}).get("issues") or []
    if status == "FATAL":
        reason = "; ".join(i["text"] for i in issues if i["error"])
        return PushStatus(
            done=True, failed=True, message=clean_text(f"FATAL {reason}", 2000)
        )
    if report is None:
        raise TransientError("getFeed: DONE without a processing report")
    if not isinstance(skus, list | tuple):
        skus = None
    errors, unplaced = {}, []
    for issue in issues:
        if not issue["error"]:
            continue
        sku = issue["sku"]
        index = (issue["message_id"] or 0) - 1
        if not sku and skus and 0 <= index < len(skus):
            sku = skus[index]
            if not isinstance(sku, str) or identifier_problem(sku):
                sku = None
        if not sku:
            unplaced.append(issue["text"])
            continue
        text = issue["text"]
        if sku in errors:
            text = clean_text(f"{errors[sku]}; {text}", 2000)
        errors[sku] = text
    summary = report.get("summary") or {}
    if unplaced:
        return PushStatus(
            done=True,
            failed=True,
            message=clean_text("DONE with errors: " + "; ".join(unplaced), 2000),
            errors=errors,
            lines_read=summary.get("messagesProcessed"),
            lines_in_error=summary.get("messagesInvalid"),
        )
    return PushStatus(
        done=True,
        message=status,
        errors=errors,
        lines_read=summary.get("messagesProcessed"),
        lines_in_error=summary.get("messagesInvalid"),
    )


# ----------------------------------------------------------------------
# shipments
# ----------------------------------------------------------------------
def shippable_items(items, v2026=False):
    """``{item id: (ordered, shipped)}`` of an order's items for
    confirmShipment: those of getOrderItems (v0), or the ``orderItems`` of
    a v2026-01-01 getOrder read with FULFILLMENT (``v2026``). Raises
    ``InvalidPayload`` naming the item at fault."""
    name, key, ordered_key = ("orderItems", "orderItemId", "quantityOrdered")
    if not v2026:
        name, key, ordered_key = ("OrderItems", "OrderItemId", "QuantityOrdered")
    if not isinstance(items, list):
        raise InvalidPayload(f"{name}: expected a list")
    reader = Reader()
    result = {}
    for index, item in enumerate(items):
        path = f"{name}[{index}]"
        if not isinstance(item, dict):
            reader.fail(path, "expected an object")
            continue
        item_id = reader.identifier(item, key, path)
        ordered = reader.count(item, ordered_key, path, default=0) or 0
        if v2026:
            where = f"{path}.fulfillment"
            # what Amazon counts shipped comes with the FULFILLMENT dataset:
            # without it, a shipment would be declared again
            fulfillment = reader.obj(item, "fulfillment", path)
            shipped_path = f"{where}.quantityFulfilled"
            shipped = 0
            if fulfillment is not None:
                shipped = reader.count(fulfillment, "quantityFulfilled", where, True)
            shipped = shipped or 0
        else:
            shipped_path = f"{path}.QuantityShipped"
            shipped = reader.count(item, "QuantityShipped", path, default=0) or 0
        if item_id is None:
            continue
        if item_id in result:
            reader.fail(f"{path}.{key}", f"repeated: {item_id!r}")
            continue
        if shipped > ordered:
            reader.fail(shipped_path, f"{shipped} > {ordered} ordered")
            continue
        result[item_id] = (ordered, shipped)
    reader.raise_if_errors()
    return result


def quantities_to_ship(external_id, items, shipment):
    """``{item id: quantity}`` a shipment declares now (``items``: the
    ``shippable_items`` of the order as Amazon has it): the lines asked for
    (every quantity left when the shipment names none), less what Amazon
    already counts shipped beyond the earlier shipments (a retry after a
    lost answer), at most what is left. An item the order does not have is
    a ``RemoteError``."""
    if shipment.lines:
        wanted = {str(k): int(v) for k, v in shipment.lines.items() if v}
    else:
        wanted = {
            item_id: ordered - shipped for item_id, (ordered, shipped) in items.items()
        }
    unknown = sorted(set(wanted) - set(items))
    if unknown:
        raise RemoteError(
            f"Order {external_id} has no item {', '.join(unknown)}", status=400
        )
    left = {}
    for item_id, quantity in wanted.items():
        ordered, shipped = items[item_id]
        if shipment.declared is not None:
            # Amazon's shipped quantity beyond the earlier shipments is
            # this one's (a retry after a lost answer)
            quantity -= max(0, shipped - int(shipment.declared.get(item_id, 0)))
        left[item_id] = min(quantity, ordered - shipped)
    return {item_id: quantity for item_id, quantity in left.items() if quantity > 0}


def package_detail(left, shipment, ship_date):
    """The ``packageDetail`` of confirmShipment for the quantities ``left``
    (its reference derived from them: the same package twice is one)."""
    carrier_code = shipment.carrier_code or "Other"
    package = {
        "packageReferenceId": hashlib.sha1(
            json.dumps(sorted(left.items())).encode()
        ).hexdigest()[:12],
        "carrierCode": carrier_code,
        "shipDate": ship_date,
        "orderItems": [
            {"orderItemId": item_id, "quantity": quantity}
            for item_id, quantity in sorted(left.items())
        ],
    }
    if carrier_code == "Other":
        package["carrierName"] = shipment.carrier_name or "Other"
    package["trackingNumber"] = shipment.tracking_number
    return package
