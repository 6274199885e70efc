"""Octopia Seller API v2 order (JSON) -> canonical ``Order``.

The one place that knows the REST field names: no OpenAPI description of
the Octopia API is available to the project, so the names are the project's
reading of the API (``marketplace_apis.md`` §4.8), and unknown fields are
ignored. The decisions both generations share (states, Paris dates, unit
prices and shipping spread, fee lines, addresses) are in ``common``.

The mapping is strict where the sale order depends on a field (ids, SKUs,
quantities, amounts, states, the delivery address) and lenient for
informative ones (deadlines, labels, the billing address): every problem is
named in the ``InvalidPayload`` the connector keeps the order in error with.
"""

from decimal import Decimal

from ..canonical import Customer, Order, OrderStatus
from ..errors import InvalidPayload, TransientError
from ..http import default_error_parser
from ..offers import Listing, PushStatus, first_plain, plain
from ..parsing import CENT, Reader
from .common import (
    CURRENCY,
    REST_DEAD_LINE_STATES,
    REST_ORDER_STATES,
    AddressParts,
    LineDraft,
    build_address,
    build_lines,
    check_dates,
    check_total,
    fee_record,
    fees_extra,
    is_fee,
    marketplace_state,
    order_status,
    read_datetime,
    sold_total,
    text,
)

FULFILMENT = "Fulfillment"  # supplyMode of the orders Cdiscount ships itself
SUPPLY_MODES = frozenset({"Seller", FULFILMENT, "Xdock"})
# the payload's keys for each part of an address (for the reasons)
ADDRESS_KEYS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "companyName",
    "street": "addressLine1",
    "street2": "addressLine2",
    "street3": "addressLine3",
    "place_name": "relayName",
    "relay_id": "relayId",
    "zip": "postalCode",
    "city": "city",
    "country": "countryCode",
    "phone": "phone",
    "instructions": "instructions",
}


def external_id(raw):
    """The ``orderId`` of a REST order, None when unusable."""
    order_id = raw.get("orderId") if isinstance(raw, dict) else None
    return _identifier(order_id)


def is_fulfilment(raw):
    """Whether Cdiscount ships the order from its own warehouse."""
    return isinstance(raw, dict) and raw.get("supplyMode") == FULFILMENT


def raw_state(raw):
    """``(status, state)`` of a REST order read without mapping it; the
    state of a fulfilment order prefixed ``FBC:``."""
    status = raw.get("status") if isinstance(raw, dict) else None
    status = _identifier(status) if isinstance(status, str) else None
    if status is None:
        return None, None
    return (
        order_status(REST_ORDER_STATES, status),
        marketplace_state(status, is_fulfilment(raw)),
    )


def map_order(raw):
    """The canonical ``Order`` of an Octopia REST order payload."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.identifier(raw, "orderId", "", numbers=True)
    state = r.identifier(raw, "status", "")
    supply_mode = r.choice(
        raw, "supplyMode", "", SUPPLY_MODES, required=False, default="Seller"
    )
    created = read_datetime(r, raw, "createdAt", "")
    updated = read_datetime(r, raw, "updatedAt", "", required=False) or created
    check_dates(r, created, updated, "createdAt")
    currency = r.currency(raw, "currency", "", required=False, default=CURRENCY)
    total = r.decimal(raw, "totalPrice", "", minimum=0)
    shipping_total = r.decimal(raw, "totalShippingPrice", "", required=False, minimum=0)
    commission = r.decimal(raw, "commission", "", required=False, minimum=0)
    shipping = raw.get("shipping") if isinstance(raw.get("shipping"), dict) else {}
    customer = _customer(r, raw, shipping)
    drafts, fees = _lines(r, raw)
    r.raise_if_errors()

    status = order_status(REST_ORDER_STATES, state)
    lines = build_lines(drafts, shipping_total)
    fees_in_total = None
    if status not in OrderStatus.DEAD:
        if not any(line.active for line in lines):
            r.fail("lines", "no line left to sell")
        fees_in_total = check_total(r, total, lines, fees, "totalPrice")
    r.raise_if_errors()
    return Order(
        external_id=order_id,
        status=status,
        marketplace_status=marketplace_state(state, supply_mode == FULFILMENT),
        created_at=created,
        updated_at=updated,
        currency=currency,
        customer=customer,
        lines=lines,
        tax_included=True,
        reference=text(raw, "reference") or order_id,
        total=sold_total(lines),
        shipping_total=sum(
            (line.shipping_price for line in lines if line.active), Decimal(0)
        ),
        commission_total=commission,
        channel=text(raw, "salesChannelId"),
        shipping_method=text(shipping, "mode"),
        shipping_deadline=read_datetime(
            Reader(), raw, "shippingDeadline", "", required=False
        ),
        fulfilled_by_marketplace=supply_mode == FULFILMENT,
        extra=_extra(raw, shipping, supply_mode, fees, fees_in_total),
    )


def _extra(raw, shipping, supply_mode, fees, fees_in_total):
    deadline = read_datetime(Reader(), raw, "acceptanceDeadline", "", required=False)
    return {
        "api": "rest",
        "supply_mode": supply_mode,
        "shipping_label": text(shipping, "label"),
        "relay_id": _relay(raw, shipping),
        "acceptance_deadline": deadline.isoformat() if deadline else None,
        "fees": fees_extra(fees),
        "fees_in_total": fees_in_total,
    }


def _customer(r, raw, shipping):
    buyer = r.obj(raw, "buyer", "", required=False) or {}
    # the buyer's phone for the carrier when the address gives none
    delivery = {"relay_id": _relay(raw, shipping), "phone": text(buyer, "phone")}
    address = _address(r, raw, "shippingAddress", required=True, fallback=delivery)
    billing = _billing(raw)
    name = " ".join(n for n in (text(buyer, "firstName"), text(buyer, "lastName")) if n)
    email = r.str(buyer, "email", "buyer", required=False)
    return Customer(
        name=name or (address.name if address else ""),
        shipping_address=address,
        billing_address=billing,
        external_id=text(buyer, "id"),
        email=email,
        company=(billing.company if billing else None)
        or (None if address is None or delivery["relay_id"] else address.company),
    )


def _address(r, raw, key, required, fallback=None):
    """The canonical address under ``key``; ``fallback``: values for the
    parts the address leaves empty (the relay point of the shipping block,
    the buyer's phone)."""
    data = r.obj(raw, key, "", required=required)
    if data is None:
        return None
    values = {part: text(data, name, 500) for part, name in ADDRESS_KEYS.items()}
    for part, value in (fallback or {}).items():
        values[part] = values[part] or value
    return build_address(r, AddressParts(**values), key, ADDRESS_KEYS)


def _billing(raw):
    """The billing address when it is complete, else None (the delivery
    address stands for it: an incomplete billing address is no reason to
    keep an order from being shipped)."""
    lenient = Reader()
    address = _address(lenient, raw, "billingAddress", required=False)
    return None if lenient.errors else address


def _relay(raw, shipping):
    """The relay point's id of the delivery, None for a home delivery."""
    return text(raw.get("shippingAddress"), "relayId") or text(shipping, "relayId")


def _lines(r, raw):
    """The ``LineDraft`` of each product line and the fee records of the
    pseudo-lines."""
    drafts, fees = [], []
    for index, line in enumerate(r.list(raw, "lines", "")):
        path = f"lines[{index}]"
        if not isinstance(line, dict):
            r.fail(path, f"expected an object, got {type(line).__name__}")
            continue
        sku = r.identifier(line, "sellerProductId", path)
        if sku is not None and is_fee(sku):
            amount = r.decimal(line, "totalSalesPrice", path, minimum=0)
            if amount is not None:
                fees.append(fee_record(sku, text(line, "label"), amount))
            continue
        draft = _draft(r, line, path, sku)
        if draft is not None:
            drafts.append(draft)
    if not r.errors and not drafts and not fees:
        r.fail("lines", "empty")
    return drafts, fees


def _draft(r, line, path, sku):
    status = r.identifier(line, "status", path, required=False)
    active = status not in REST_DEAD_LINE_STATES
    # a refused or cancelled line may come with no quantity left
    quantity = (
        r.positive_int(line, "quantity", path)
        if active
        else r.count(line, "quantity", path, required=True)
    )
    unit = r.decimal(line, "unitSalesPrice", path, required=False, minimum=0)
    total = r.decimal(line, "totalSalesPrice", path, minimum=0)
    if (
        quantity
        and None not in (unit, total)
        and abs(unit * quantity - total) > (CENT / 2 * (quantity + 1))
    ):
        r.fail(
            f"{path}.totalSalesPrice",
            f"{total} differs from unitSalesPrice x quantity = {unit * quantity}",
        )
    draft = LineDraft(
        external_id=r.identifier(line, "orderLineId", path, numbers=True),
        sku=sku,
        quantity=quantity,
        total=total,
        shipping=r.decimal(
            line, "shippingPrice", path, required=False, default=Decimal(0), minimum=0
        ),
        active=active,
        status=status,
        title=text(line, "label", 500) or "",
        ean=text(line, "ean", 64),
        product_id=text(line, "productId", 255),
        commission=r.decimal(line, "commission", path, required=False, minimum=0),
    )
    if None in (draft.external_id, draft.sku, draft.quantity, draft.total):
        return None
    return draft


def _field_id(record, key):
    """The id under ``key`` of ``record`` (a dict, else None)."""
    return _identifier(record.get(key)) if isinstance(record, dict) else None


def _identifier(value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return Reader().identifier({"v": value}, "v", "")


# ----------------------------------------------------------------------
# answers of the other REST operations
# ----------------------------------------------------------------------
MAX_PAGES = 100_000  # a walk longer than this is a server repeating pages
# offer package states after which the package changes no more
PACKAGE_DONE = frozenset({"Integrated", "PartiallyIntegrated", "Rejected"})


def problem_parser(response):
    """``(message, code)`` of an error answer: a JSON problem document
    (``detail``, else ``title``, with the messages of its ``errors``), else
    what ``mphub.http.default_error_parser`` reads (the OAuth errors of the
    token endpoint, a page's text)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = text(body, "detail", 500) or text(body, "title", 500)
    if not detail:
        return default_error_parser(response)
    messages = [detail]
    for error in body.get("errors") if isinstance(body.get("errors"), list) else ():
        message = text(error, "message", 300) if isinstance(error, dict) else None
        if message and message not in messages:
            messages.append(message)
    return " ".join(messages)[:500], text(body, "title", 100)


def read_page(body, what, page_index, page_size):
    """``(items, total, more)`` of a paged answer (``items``, ``totalCount``)
    read at ``page_index`` (1-based); an answer without an item list is a
    ``TransientError`` (a proxy's page, a cut answer)."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise TransientError(f"{what}: the answer has no item list")
    reader = Reader()
    total = reader.count(body, "totalCount", what)
    reader.raise_if_errors()
    if total is None:
        more = len(items) >= page_size
    else:
        more = bool(items) and page_index * page_size < total
    if more and page_index >= MAX_PAGES:
        raise InvalidPayload(f"{what}: paging goes on past page {MAX_PAGES}")
    return items, total, more


def order_line_states(raw):
    """``{orderLineId: status}`` of a REST order (lines whose id or status
    cannot be read left out)."""
    lines = raw.get("lines") if isinstance(raw, dict) else None
    states = {}
    for line in lines if isinstance(lines, list) else ():
        line_id = _field_id(line, "orderLineId")
        status = text(line, "status", 100) if line_id else None
        if line_id and status:
            states[line_id] = status
    return states


def order_line_quantities(raw):
    """``{orderLineId: quantity}`` of the product lines of a REST order."""
    lines = raw.get("lines") if isinstance(raw, dict) else None
    quantities = {}
    for line in lines if isinstance(lines, list) else ():
        if not isinstance(line, dict) or is_fee(line.get("sellerProductId")):
            continue
        reader = Reader()
        line_id = reader.identifier(line, "orderLineId", "", numbers=True)
        quantity = reader.count(line, "quantity", "", required=True)
        if not reader.errors:
            quantities[line_id] = quantity
    return quantities


def read_carriers(body):
    """The carriers of ``GET /carriers`` as ``{code, label, tracking_url}``;
    an entry without a usable code is left out."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise TransientError("getCarriers: the answer has no carrier list")
    carriers = []
    for entry in items:
        code = _field_id(entry, "code")
        if code:
            carriers.append(
                {
                    "code": code,
                    "label": text(entry, "name") or code,
                    "tracking_url": text(entry, "trackingUrl", 1000),
                }
            )
    return carriers


def offer_message(row):
    """The offer of a ``POST /offer-packages`` body for an ``OfferRow``."""
    offer = {"sellerProductId": row.sku}
    if row.ean:
        offer["ean"] = row.ean
    if row.price is not None:
        offer["price"] = float(row.price)
    if row.quantity is not None:
        offer["stock"] = int(row.quantity)
    return offer


def read_package_status(body):
    """The ``PushStatus`` of ``GET /offer-packages/{id}``: done once the
    package is integrated (wholly or partly) or rejected, with the reasons
    of each rejected offer by SKU."""
    reader = Reader()
    status = reader.identifier(body, "status", "getOfferPackage")
    offer_count = reader.count(body, "offerCount", "getOfferPackage")
    error_count = reader.count(body, "errorCount", "getOfferPackage")
    reader.raise_if_errors()
    errors = {}
    offers = body.get("offers") if isinstance(body.get("offers"), list) else []
    for offer in offers:
        sku = _field_id(offer, "sellerProductId")
        if not sku or text(offer, "status", 100) != "Rejected":
            continue
        reasons = offer.get("errors") if isinstance(offer.get("errors"), list) else []
        messages = [
            " ".join(p for p in (text(e, "code", 100), text(e, "message", 500)) if p)
            for e in reasons
            if isinstance(e, dict)
        ]
        errors[sku] = "; ".join(m for m in messages if m) or "Rejected"
    return PushStatus(
        done=status in PACKAGE_DONE,
        failed=status == "Rejected",
        message=status,
        errors=errors,
        lines_read=offer_count,
        lines_in_error=error_count,
    )


def map_listing(raw):
    """The ``Listing`` of a ``GET /offers`` record; ``InvalidPayload`` with
    every reason when it has no seller SKU or a price or stock that is not
    a number."""
    if not isinstance(raw, dict):
        raise InvalidPayload(["the offer record is not an object"])
    reader = Reader()
    sku = reader.identifier(raw, "sellerProductId", "", numbers=True)
    quantity = reader.count(raw, "stock", "")
    price = reader.amount(raw, "price", "")
    ean = reader.identifier(raw, "ean", "", required=False, numbers=True)
    status = reader.identifier(raw, "status", "", required=False)
    listing = {
        "eans": (ean,) if ean else (),
        "marketplace_product_id": reader.identifier(
            raw, "productId", "", required=False
        ),
        "condition": reader.identifier(raw, "condition", "", required=False),
        "title": reader.text(raw, "label", "", max_length=500),
    }
    reader.raise_if_errors()
    return Listing(
        sku=sku,
        quantity=quantity,
        price=price,
        currency=CURRENCY,
        active=status != "Inactive",
        raw=raw,
        **listing,
    )


def read_listing_page(body, page_index, page_size):
    """``(listings, invalid, total, more)`` of a ``GET /offers`` answer; an
    unreadable record is in ``invalid`` as ``(raw, reason)``."""
    items, total, more = read_page(body, "getOffers", page_index, page_size)
    listings, invalid = [], []
    for raw in items:
        try:
            listings.append(map_listing(raw))
        except InvalidPayload as err:
            invalid.append((raw, "; ".join(err.reasons)))
    return listings, invalid, total, more


def listing_parts(raw):
    """What can be read of an offer record ``map_listing`` refused, for the
    listing review; never raises."""
    if not isinstance(raw, dict):
        return Listing(sku="")
    ean = plain(raw.get("ean"), 50)
    return Listing(
        sku=first_plain([raw], ("sellerProductId", "sku")) or "",
        eans=(ean,) if ean else (),
        title=first_plain([raw], ("label",)),
        marketplace_product_id=first_plain([raw], ("productId",)),
        condition=first_plain([raw], ("condition",)),
        raw=raw,
    )
