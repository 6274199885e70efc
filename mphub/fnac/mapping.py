"""Fnac Darty order (``orders_query_response/order``) -> canonical ``Order``.

The raw payload is the ``order`` element turned into JSON by
``mphub.fnac.payload.element_to_json``: texts as sent, ``""`` for a present but
empty element, no key for an absent one, ``order_detail`` always a list. What
the XSDs leave open (marketplace_apis.md section 5.11) is decided here:

- money: EUR (no currency in the payload; ``extra["market"]`` is the market
  of the buyer's culture when it is one of Fnac's: FR, BE, ES, PT), tax
  included, no tax amount anywhere: lines carry ``taxes=()`` and the base
  takes the VAT from the products and the fiscal position in Odoo. The
  order-level ``vat_rate`` (percent or fraction, goods or commission:
  unsaid) is never used for VAT: kept in ``extra["vat_rate"]`` only;
- ``price`` is PER UNIT: the line's amount is ``price x quantity``, rounded
  to the cent only when the price has more than two decimals (then the unit
  price is rounded up to the cent and the cents it adds are the line's
  discount, so the sale order equals the amount to the cent);
  ``shipping_price`` is the LINE's shipping (not per unit), 0 when absent;
- the order has no total: its total is the live lines and their shipping
  (``extra["total_source"] = "lines"``), nothing to check it against;
- commission: a line's ``fees`` is ``OrderLine.commission``; the order's
  ``fees`` is ``commission_total``, else the sum of the live lines' fees
  (0 without live line), else None; whether Fnac's fees include tax is unsaid
  (``extra["fees_tax"] = "unstated"``); they are never charged to the buyer;
- states: an order is in "the earliest stage found in its lines": a line
  ``Refused``, ``Cancelled`` or ``Refunded`` is inactive (only live lines are
  imported, counted and shipped). ``Created`` waits for acceptance,
  ``Accepted`` waits for billing (``accepted``: it cannot ship yet),
  ``ToShip`` is to ship, ``NotReceived`` (the buyer's claim) stays
  ``shipped`` with its state kept, ``Received`` is delivered, ``Refunded``
  cancelled, ``Error`` and any unknown state pending (its code kept). An
  unknown line state keeps its line live;
- dates: with their offset; an offset-less date is Paris time; an empty date
  element is ignored. The order has no update date: ``updated_at`` is the
  latest of the order's and its lines' dates (``created_at``,
  ``debited_at``, ``received_at``, ``refused_at``), so it moves when a line
  is debited, received or refused (the base detects other changes by
  payload hash). A date more than a day in the future is an error;
- buyer: ``client_firstname`` may be empty (the name is then the last name
  alone, else the shipping address's name); the e-mail is Fnac's relay
  address when given; the language from ``client_culture`` (``fr-FR`` ->
  ``fr_FR``); ``nif`` (billing, else shipping) is the buyer's tax number;
- addresses: ``address1`` is optional: the street is ``address1``, else
  ``address2``; ``street2`` joins the other lines; the country is free text
  (alpha-3 ``FRA`` as common.xsd says, alpha-2, or a name such as
  ``France``) read by ``mphub.countries.country_from_text``; phones are kept
  as given (the XSD allows 15 characters); a missing shipping address is
  replaced by the billing one; an incomplete billing address is dropped (the
  delivery address stands for it);
- relay points: a live line shipped with method 55 (any line of an order
  without live line: a refused or cancelled order keeps its delivery
  mode). The shipping address is
  then the relay point's: its ``company`` is the relay's name, its id is
  ``fnac_shop_ref`` when given, else ``address3``; the address keeps
  ``additional_info = "Relay point <id>"``, ``extra["relay_id"]`` the id and
  ``shipping_method`` is ``"55"`` (``extra["shipping_label"]`` its label);
- malformed orders: everything the reader finds is reported at once
  (``InvalidPayload``): an empty SKU, a quantity that is not a whole number or
  is 0 on a live line, an empty or negative price, a zero price on a live
  line or for units (a dead line of no unit may cost nothing), no line or no
  live line in a live order, an empty zip code, city or country, an unknown
  country, no buyer name at all, a future date, a duplicated line id.
"""

import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from ..canonical import Address, Customer, Order, OrderLine, OrderStatus
from ..countries import country_from_text
from ..errors import InvalidPayload
from ..parsing import CENT, Reader, _join, _show, clean_text, to_cents

PARIS = ZoneInfo("Europe/Paris")
CURRENCY = "EUR"
MARKETS = ("FR", "BE", "ES", "PT")  # common.xsd market_code
FUTURE_TOLERANCE = timedelta(days=1)
RELAY_METHOD = "55"

# Fnac order state (state.xsd order_state) -> canonical status
ORDER_STATES = {
    "Created": OrderStatus.WAITING_ACCEPTANCE,
    "Accepted": OrderStatus.ACCEPTED,
    "ToShip": OrderStatus.TO_SHIP,
    "Shipped": OrderStatus.SHIPPED,
    "NotReceived": OrderStatus.SHIPPED,
    "Received": OrderStatus.DELIVERED,
    "Refused": OrderStatus.REFUSED,
    "Cancelled": OrderStatus.CANCELLED,
    "Refunded": OrderStatus.CANCELLED,
    "Error": OrderStatus.PENDING,
}
# order_detail states whose line is no longer part of the order
DEAD_LINE_STATES = frozenset({"Refused", "Cancelled", "Refunded"})
# state.xsd shipping_method
SHIPPING_METHODS = {
    "20": "Standard",
    "21": "Tracked",
    "22": "Registered",
    "50": "Express",
    "51": "Bulky delivery",
    "52": "Bulky delivery",
    "53": "Bulky delivery",
    "54": "Bulky delivery",
    "55": "Relay point",
}
LINE_DATES = ("created_at", "debited_at", "received_at", "refused_at")
_WHOLE = re.compile(r"\+?[0-9]{1,12}")
_CULTURE = re.compile(r"([a-zA-Z]{2})[-_]([a-zA-Z]{2})")
MAX_QUANTITY = 10**6


# -- readers shared by the Fnac mappers --------------------------------------
def text(data, key, max_length=255):
    """A free text of the payload (control characters removed), None when
    absent, blank or not a text: for fields that never put a record in
    error."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    return clean_text(value, max_length) or None


def obj(data, key):
    """The element ``key`` of ``data`` when it is a dict (an empty element is
    ``""`` in the JSON, a repeated one a list), else None."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def records(data, key):
    """The list ``key`` of ``data`` (a lone dict counts as one entry), only
    its dicts."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def attr_text(value):
    """The text of an element read with its attributes (``{"#text": ..}``)
    or alone (a text); None otherwise."""
    if isinstance(value, dict):
        value = value.get("#text")
    return value if isinstance(value, str) else None


def read_date(r, data, key, path, required=True):
    """An aware UTC datetime of an xs:dateTime text; offset-less is Paris
    time; a blank one is missing (nullDateTime elements are often empty)."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, str) and not value.strip():
        value = None
    data = {key: value.strip() if isinstance(value, str) else value}
    return r.datetime(data, key, path, required=required, naive_zone=PARIS)


def whole_number(r, data, key, path, required=True, minimum=0, maximum=MAX_QUANTITY):
    """A whole number written as text (xs:nonNegativeInteger: ``"2"``,
    ``"+2"``, ``"002"``), from ``minimum`` to ``maximum``."""
    value = data.get(key) if isinstance(data, dict) else None
    where = _join(path, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            r.fail(where, "missing" if value is None else "empty")
        return None
    if not isinstance(value, str) or not _WHOLE.fullmatch(value.strip()):
        r.fail(where, f"expected a whole number, got {_show(value)}")
        return None
    number = int(value.strip())
    if not minimum <= number <= maximum:
        r.fail(where, f"must be from {minimum} to {maximum}, got {number}")
        return None
    return number


def amount(r, data, key, path, required=True, minimum=None, exact=False):
    """An xs:decimal text as a ``Decimal`` (to the cent, or as sent when
    ``exact``); an empty element is reported as such."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, str) and not value.strip():
        if required:
            r.fail(_join(path, key), "empty")
        return None
    return r.decimal(data, key, path, required=required, minimum=minimum, exact=exact)


# -- raw payload facts ---------------------------------------------------------
def external_id(raw):
    """The ``order_id`` of a raw order, None when absent or unusable."""
    if not isinstance(raw, dict):
        return None
    return Reader().identifier(raw, "order_id", "", required=False)


def raw_state(raw):
    """``(canonical status, Fnac state)`` read without mapping the order (an
    unknown state is pending), ``(None, None)`` without a state."""
    state = text(raw, "state", 100) if isinstance(raw, dict) else None
    if not state:
        return None, None
    return ORDER_STATES.get(state, OrderStatus.PENDING), state


# -- the order -----------------------------------------------------------------
def map_order(raw, now=None):
    """The canonical ``Order`` of a raw Fnac order; ``InvalidPayload`` with
    every reason when it cannot be trusted. ``now`` (aware, default the
    current time) is what "in the future" is measured against."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    now = now or datetime.now(timezone.utc)
    r = Reader()
    order_id = r.identifier(raw, "order_id", "")
    state = r.identifier(raw, "state", "")
    status = ORDER_STATES.get(state, OrderStatus.PENDING) if state else None
    created = read_date(r, raw, "created_at", "")
    lines = _lines(r, raw, status)
    relay_id = _relay_id(raw)
    customer = _customer(r, raw, relay_id)
    fees = amount(r, raw, "fees", "", required=False)
    dates = _dates(r, raw, now)
    r.raise_if_errors()
    live = [line for line in lines if line.active]
    method = _shipping_method(raw, relay_id)
    return Order(
        external_id=order_id,
        status=status,
        marketplace_status=state,
        created_at=created,
        updated_at=max([created, *dates]),
        currency=CURRENCY,
        customer=customer,
        lines=tuple(lines),
        tax_included=True,
        reference=order_id,
        total=sum((line.total + line.shipping_price for line in live), Decimal(0)),
        shipping_total=sum((line.shipping_price for line in live), Decimal(0)),
        commission_total=fees if fees is not None else _commission(live),
        shipping_method=method,
        extra=_extra(raw, relay_id, method),
    )


def _commission(live):
    """Fnac's commission without the order's figure: the live lines' fees
    (0 without live line: a refused line earns Fnac nothing), None when no
    live line states its fees."""
    fees = [line.commission for line in live if line.commission is not None]
    if not live or fees:
        return sum(fees, Decimal(0))
    return None


def _extra(raw, relay_id, method):
    culture = _CULTURE.fullmatch((text(raw, "client_culture", 10) or "").strip())
    market = culture.group(2).upper() if culture else None
    lenient = Reader()
    vat_rate = amount(lenient, raw, "vat_rate", "", required=False, exact=True)
    return {
        "total_source": "lines",
        "fees_tax": "unstated",
        "market": market if market in MARKETS else None,
        "shop_id": text(raw, "shop_id", 64),
        "vat_rate": str(vat_rate) if vat_rate is not None else None,
        "relay_id": relay_id,
        "shipping_label": SHIPPING_METHODS.get(method) if method else None,
        "shipping_methods": sorted(
            {m for line in records(raw, "order_detail") if (m := _method(line))}
        ),
        "adherent_number": text(raw, "adherent_number", 64),
        "invoice_number_reference": text(raw, "invoice_number_reference", 100),
        "delivery_note": text(raw, "delivery_note", 1000),
        "nb_messages": whole_number(lenient, raw, "nb_messages", "", required=False),
        "lines": {
            text(line, "order_detail_id", 20) or str(index): details
            for index, line in enumerate(records(raw, "order_detail"))
            if (details := _line_extra(line))
        },
    }


def _line_extra(line):
    keys = (
        "offer_fnac_id",
        "product_state",
        "promotion_type",
        "promotion_uid",
        "tracking_number",
        "tracking_client_id",
        "internal_comment",
        "shipping_method",
    )
    return {key: value for key in keys if (value := text(line, key, 255))}


def _method(line):
    return text(line, "shipping_method", 10)


def _dates(r, raw, now):
    """Every line date of the order (for ``updated_at``), each date checked
    against ``now``."""
    dates = []
    found = [("created_at", read_date(Reader(), raw, "created_at", ""))]
    for index, line in enumerate(records(raw, "order_detail")):
        path = f"order_detail[{index}]"
        for key in LINE_DATES:
            when = read_date(r, line, key, path, required=False)
            if when is not None:
                dates.append(when)
                found.append((_join(path, key), when))
    for where, when in found:
        if when is not None and when > now + FUTURE_TOLERANCE:
            r.fail(where, f"{when.isoformat()} is in the future")
    return dates


def _delivered_lines(raw):
    """The details that say how the order is delivered: the live ones, all
    of them when none is live (a refused or cancelled order)."""
    details = records(raw, "order_detail")
    live = [d for d in details if text(d, "state", 50) not in DEAD_LINE_STATES]
    return live or details


def _shipping_method(raw, relay_id):
    """``"55"`` for a relay point delivery, else the first live line's
    method."""
    if relay_id is not None:
        return RELAY_METHOD
    methods = [_method(line) for line in _delivered_lines(raw) if _method(line)]
    return methods[0] if methods else None


def _relay_id(raw):
    """The relay point's id when a live line ships to one (method 55): the
    shipping address's ``fnac_shop_ref``, else its ``address3``; ``""`` when
    the address names none; None for a home delivery."""
    if not any(_method(line) == RELAY_METHOD for line in _delivered_lines(raw)):
        return None
    address = obj(raw, "shipping_address")
    return text(address, "fnac_shop_ref", 64) or text(address, "address3", 255) or ""


# -- lines -----------------------------------------------------------------------
def _lines(r, raw, status):
    details = raw.get("order_detail")
    if details is None or details == "" or details == []:
        r.fail("order_detail", "missing")
        return []
    if isinstance(details, dict):
        details = [details]
    if not isinstance(details, list):
        r.fail("order_detail", f"expected a list, got {type(details).__name__}")
        return []
    lines, seen = [], set()
    for index, detail in enumerate(details):
        path = f"order_detail[{index}]"
        if not isinstance(detail, dict):
            r.fail(path, f"expected an element, got {_show(detail)}")
            continue
        line = _line(r, detail, path)
        if line is None:
            continue
        if line.external_id in seen:
            r.fail(_join(path, "order_detail_id"), f"{line.external_id} repeated")
        seen.add(line.external_id)
        lines.append(line)
    live_state = status not in OrderStatus.DEAD and status is not None
    if lines and live_state and not any(line.active for line in lines):
        r.fail("order_detail", "no live line in a live order")
    return lines


def _line(r, detail, path):
    line_id = r.identifier(detail, "order_detail_id", path)
    if line_id is not None and not _WHOLE.fullmatch(line_id):
        r.fail(_join(path, "order_detail_id"), f"not a line number: {_show(line_id)}")
    state = r.identifier(detail, "state", path)
    active = state not in DEAD_LINE_STATES
    sku = r.identifier(detail, "offer_seller_id", path)
    quantity = whole_number(r, detail, "quantity", path, minimum=1 if active else 0)
    price = amount(r, detail, "price", path, minimum=0, exact=True)
    if price is not None and price <= 0 and (active or quantity):
        r.fail(
            _join(path, "price"),
            f"must be above 0 for {quantity or 'a live'} unit(s), got "
            f"{_show(detail.get('price'))}",
        )
    shipping = amount(r, detail, "shipping_price", path, required=False, minimum=0)
    commission = amount(r, detail, "fees", path, required=False)
    if None in (line_id, state, sku, quantity, price):
        return None
    # a dead line may come with no unit left: kept as one, for the record
    quantity = max(quantity, 1)
    total = to_cents(price * quantity)
    unit = (total / quantity).quantize(CENT, ROUND_CEILING)
    return OrderLine(
        external_id=line_id,
        sku=sku,
        quantity=quantity,
        unit_price=unit,
        title=text(detail, "product_name", 500) or "",
        marketplace_product_id=text(detail, "product_fnac_id", 64),
        total=total,
        taxes=(),
        shipping_price=shipping if shipping is not None else Decimal(0),
        commission=commission,
        discount=unit * quantity - total,
        status=state,
        active=active,
    )


# -- buyer and addresses -----------------------------------------------------------
def _customer(r, raw, relay_id):
    first = text(raw, "client_firstname", 100)
    last = text(raw, "client_lastname", 100)
    name = " ".join(part for part in (first, last) if part)
    billing = _billing(raw, name)
    shipping_key = "shipping_address" if obj(raw, "shipping_address") else None
    if shipping_key is None and billing is None:
        r.fail("shipping_address", "missing")
        shipping = None
    elif shipping_key is None:
        shipping = billing
    else:
        shipping = _address(r, obj(raw, shipping_key), shipping_key, name, relay_id)
    name = name or (shipping.name if shipping else "") or ""
    if not name:
        r.fail("client_lastname", "missing")
    data = obj(raw, "billing_address") or {}
    delivery = obj(raw, "shipping_address") or {}
    company = (billing.company if billing else None) or (
        None if relay_id is not None or shipping is None else shipping.company
    )
    culture = _CULTURE.fullmatch((text(raw, "client_culture", 10) or "").strip())
    return Customer(
        name=name,
        shipping_address=shipping,
        billing_address=billing,
        external_id=text(raw, "client_id", 64),
        email=text(raw, "client_email", 254),
        vat=text(data, "nif", 100) or text(delivery, "nif", 100),
        company=company,
        lang=f"{culture.group(1).lower()}_{culture.group(2).upper()}"
        if culture
        else None,
    )


def _billing(raw, client_name):
    """The billing address when it is complete, else None."""
    lenient = Reader()
    data = obj(raw, "billing_address")
    if data is None:
        return None
    address = _address(lenient, data, "billing_address", client_name, None)
    return None if lenient.errors else address


def _address(r, data, path, client_name, relay_id):
    """The canonical address of an address element; a missing street, zip
    code, city or country (or an unknown country) is recorded on ``r``."""
    company = text(data, "company", 100)
    person = " ".join(p for p in (text(data, "firstname"), text(data, "lastname")) if p)
    lines = [text(data, key, 255) for key in ("address1", "address2", "address3")]
    if relay_id and lines[2] == relay_id:
        lines[2] = None  # the relay's id, not a street line
    street = lines[0] or lines[1]
    if not street:
        r.fail(_join(path, "address1"), "missing (and no address2)")
    rest = [line for line in lines[1 if lines[0] else 2 :] if line]
    values = {key: text(data, key, 100) for key in ("zipcode", "city", "country")}
    for key, value in values.items():
        if not value:
            r.fail(_join(path, key), "missing")
    country = country_from_text(values["country"]) if values["country"] else None
    if values["country"] and country is None:
        r.fail(_join(path, "country"), f"unknown country {_show(values['country'])}")
    phone, mobile = text(data, "phone", 50), text(data, "mobile", 50)
    return Address(
        name=person or (company if relay_id is None else None) or client_name or "",
        street=street or "",
        street2=", ".join(rest) or None,
        zip=values["zipcode"],
        city=values["city"] or "",
        country_code=country or "",
        state=text(data, "state", 100),
        company=company,
        phone=phone or mobile,
        mobile=mobile if phone else None,
        additional_info=f"Relay point {relay_id}" if relay_id else None,
    )
