"""Rules both Cdiscount mappers share (Octopia REST and the SOAP API).

The two generations of the API describe the same orders with other names;
what the connector decides about them is decided once, here:

- states: each generation's order state -> ``OrderStatus`` (an unknown,
  future state is ``pending``, its text kept), line states that take a line
  out of the order, and the ``FBC:`` prefix of the states of fulfilment
  orders (Cdiscount's own warehouse ships them, like Amazon's ``AFN:``);
- dates: SOAP dates come without a zone and REST dates may too: a naive
  date is Paris time (``Europe/Paris``), the repeated October hour read as
  its first occurrence;
- amounts: tax included, EUR, no tax amount or rate anywhere: lines carry
  no ``Tax`` and the connector takes the VAT from the products in Odoo
  (shipping follows the goods). A line's unit price is its total divided by
  its quantity rounded up to the cent, the cents it adds going to the line's
  discount (as for Amazon), so that the sale order equals the marketplace's
  total to the cent. The order's shipping figure wins over the lines' and is
  spread on the active lines by largest remainder;
- pseudo-lines: fee lines (``FEE_SKUS``, e.g. ``INTERETBCA``, the interest of
  Cdiscount's payment in instalments) are not sold by the seller: they go to
  ``extra["fees"]``, not to the lines, and the order's total may hold them
  or not (both are accepted, the sale order equals lines and shipping);
- addresses: first/last name or company, street lines, relay points, the
  country given as a code or as a name.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ..canonical import Address, OrderLine, OrderStatus
from ..countries import country_from_text
from ..parsing import CENT, EARLIEST, LATEST, _join, _show, clean_text

PARIS = ZoneInfo("Europe/Paris")
CURRENCY = "EUR"  # Cdiscount.fr sells in euros; SOAP states no currency
SALES_CHANNEL = "CDISFR"
FULFILMENT_PREFIX = "FBC:"  # states of orders Cdiscount ships itself

# -- states ------------------------------------------------------------------
# Octopia REST order status -> canonical status
REST_ORDER_STATES = {
    "Processing": OrderStatus.PENDING,
    "WaitingAcceptance": OrderStatus.WAITING_ACCEPTANCE,
    "Accepted": OrderStatus.ACCEPTED,
    "InPreparation": OrderStatus.TO_SHIP,
    "Shipped": OrderStatus.SHIPPED,
    "Delivered": OrderStatus.DELIVERED,
    "Refused": OrderStatus.REFUSED,
    "Cancelled": OrderStatus.CANCELLED,
}
# SOAP OrderStateEnum -> canonical status; the internal states (Blocked*,
# BeingModified, CegidDown...) are pending: the order is not actionable
SOAP_ORDER_STATES = {
    "None": OrderStatus.PENDING,
    "BeingValidatedFianet": OrderStatus.PENDING,
    "ValidatedFianet": OrderStatus.PENDING,
    "WaitingForSellerAcceptation": OrderStatus.WAITING_ACCEPTANCE,
    "AcceptedBySeller": OrderStatus.ACCEPTED,
    "PaymentInProgress": OrderStatus.ACCEPTED,
    "WaitingForShipmentAcceptation": OrderStatus.TO_SHIP,
    "PendingShipmentForAssociatedProduct": OrderStatus.TO_SHIP,
    "Shipped": OrderStatus.SHIPPED,
    "AvailableOnStore": OrderStatus.SHIPPED,  # waiting at the relay point
    "NonPickedUpByCustomer": OrderStatus.SHIPPED,  # left, came back: a return
    "PickedUp": OrderStatus.DELIVERED,
    "RefusedBySeller": OrderStatus.REFUSED,
    "RefusedNoShipment": OrderStatus.REFUSED,
    "CancelledByCustomer": OrderStatus.CANCELLED,
    "AutomaticCancellation": OrderStatus.CANCELLED,
    "PaymentRefused": OrderStatus.CANCELLED,
    "ShipmentRefusedBySeller": OrderStatus.CANCELLED,
    "ServiceCanceled": OrderStatus.CANCELLED,
}
# line states whose line is no longer part of the order
REST_DEAD_LINE_STATES = frozenset({"Refused", "Cancelled"})
SOAP_DEAD_LINE_STATES = frozenset(
    {
        "RefusedBySeller",
        "ShipmentRefusedBySeller",
        "RefundedAfterShipping",
        "RefundedAfterShipmentRefused",
        "CancelledBeforeNotificationByCustomer",
        "CancelledBeforePaymentByCustomer",
        "CancelledAfterPaymentByCustomer",
        "RefundedAfterCustomerCancellation",
        "PaymentRefused",
    }
)
# SellerProductId of Cdiscount's pseudo-lines: charges the buyer pays to
# Cdiscount (instalment interest, processing fee), not goods of the seller
FEE_SKUS = frozenset({"INTERETBCA", "FRAISTRAITEMENT"})


def order_status(states, code):
    """The canonical status of the state ``code`` in ``states`` (one of the
    tables above); an unknown state is ``pending``: the order waits, its
    state kept, until a known one comes. None when ``code`` is no text."""
    return states.get(code, OrderStatus.PENDING) if isinstance(code, str) else None


def marketplace_state(code, fulfilment):
    """The state as the account's import states know it: prefixed with
    ``FBC:`` for a fulfilment order."""
    if not isinstance(code, str) or not code:
        return None
    return FULFILMENT_PREFIX + code if fulfilment else code


def is_fee(sku):
    """Whether a line's SellerProductId is one of Cdiscount's fee codes."""
    return isinstance(sku, str) and sku.strip().upper() in FEE_SKUS


# -- dates -------------------------------------------------------------------
def parse_paris_datetime(value):
    """An aware UTC datetime from an ISO 8601 text: with ``Z`` or an offset
    as given, naive as Paris time (the first of a repeated hour); any
    number of fraction digits. Between 1990 and 2200, else ``ValueError``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(_iso_for_python(value.strip()))
    else:
        raise ValueError("not a timestamp")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PARIS, fold=0)
    try:
        parsed = parsed.astimezone(timezone.utc)
    except OverflowError as err:
        raise ValueError("out of range") from err
    if not EARLIEST <= parsed < LATEST:
        raise ValueError("out of range")
    return parsed


def _iso_for_python(text):
    """``text`` in the ISO forms ``datetime.fromisoformat`` of Python 3.10
    reads: ``Z`` as ``+00:00`` and the fraction cut or padded to 6 digits."""
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    date, sep, time = text.partition("T")
    if not sep or "." not in time:
        return text
    whole, _dot, rest = time.partition(".")
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if not digits:
        raise ValueError("not a timestamp")
    fraction = (rest[:digits] + "000000")[:6]
    return f"{date}T{whole}.{fraction}{rest[digits:]}"


def read_datetime(r, data, key, path, required=True):
    """A date of the payload through ``parse_paris_datetime``, its problem
    recorded on the ``mphub.parsing.Reader`` ``r``."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None or value == "":
        if required:
            r.fail(_join(path, key), "missing")
        return None
    try:
        return parse_paris_datetime(value)
    except (TypeError, ValueError, OverflowError):
        r.fail(_join(path, key), f"not a valid date-time: {_show(value)}")
        return None


CLOCK_SKEW = timedelta(minutes=5)  # between Cdiscount's own systems


def check_dates(r, created, updated, path):
    """Record on ``r`` an order created after its last update (by more than
    ``CLOCK_SKEW``): one of its dates is wrong (a created date in 2099)."""
    if created and updated and created - updated > CLOCK_SKEW:
        r.fail(
            path,
            f"{created.isoformat()} is after the last update {updated.isoformat()}",
        )


# -- amounts -----------------------------------------------------------------
def allocate(total, weights):
    """``total`` (a ``Decimal`` in cents) split in proportion to
    ``weights`` (non-negative ``Decimal``), to the cent, by largest
    remainder (ties to the first); equal shares when the weights are all
    zero. The shares add up to ``total`` exactly."""
    count = len(weights)
    if not count:
        return []
    weights = [max(Decimal(w or 0), Decimal(0)) for w in weights]
    if not sum(weights):
        weights = [Decimal(1)] * count
    weight_sum = sum(weights)
    cents = int((Decimal(total) / CENT).to_integral_value())
    sign, cents = (-1 if cents < 0 else 1), abs(cents)
    exact = [Decimal(cents) * w / weight_sum for w in weights]
    shares = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    by_remainder = sorted(range(count), key=lambda i: (shares[i] - exact[i], i))
    for index in by_remainder[: cents - sum(shares)]:
        shares[index] += 1
    return [sign * share * CENT for share in shares]


def unit_price(total, quantity):
    """``(unit, cents)`` of a line of ``quantity`` units costing ``total``:
    the unit price rounded up to the cent, and what ``unit x quantity``
    exceeds ``total`` by (given back as the line's discount). A line of no
    unit (refused, refunded) costs nothing."""
    if quantity <= 0:
        return Decimal(0), Decimal(0)
    unit = (total / quantity).quantize(CENT, ROUND_CEILING)
    return unit, unit * quantity - total


@dataclass(frozen=True)
class LineDraft:
    """An order line as a mapper read it, before the order's figures are
    applied: ``total`` is the line's amount and ``shipping`` its shipping
    as the line gives them (tax included)."""

    external_id: str
    sku: str
    quantity: int
    total: Decimal
    shipping: Decimal
    active: bool
    status: str | None = None
    title: str = ""
    ean: str | None = None
    product_id: str | None = None
    commission: Decimal | None = None


def spread_shipping(drafts, shipping_total):
    """The shipping of each line (``LineDraft``): the lines' own figures
    when the active ones add up to the order's ``shipping_total`` (None:
    no order figure), else the order's figure spread on the active lines
    in proportion to their own (equally when they give none); refused and
    cancelled lines then keep none."""
    active = [d for d in drafts if d.active]
    own = sum((d.shipping for d in active), Decimal(0))
    if shipping_total is None or own == shipping_total or not active:
        return [d.shipping for d in drafts]
    shares = iter(allocate(shipping_total, [d.shipping for d in active]))
    return [next(shares) if d.active else Decimal(0) for d in drafts]


def build_lines(drafts, shipping_total=None):
    """The canonical ``OrderLine`` records of ``drafts``: no taxes (the
    connector takes them from Odoo's products), the unit price of
    ``unit_price`` and its cents as discount, the shipping of
    ``spread_shipping``."""
    lines = []
    for draft, shipping in zip(
        drafts, spread_shipping(drafts, shipping_total), strict=True
    ):
        unit, cents = unit_price(draft.total, draft.quantity)
        lines.append(
            OrderLine(
                external_id=draft.external_id,
                sku=draft.sku,
                quantity=draft.quantity,
                unit_price=unit,
                title=draft.title,
                ean=draft.ean,
                marketplace_product_id=draft.product_id,
                total=draft.total,
                shipping_price=shipping,
                commission=draft.commission,
                discount=cents,
                status=draft.status,
                active=draft.active,
            )
        )
    return tuple(lines)


def sold_total(lines):
    """What the buyer pays the seller for ``lines``: the active lines'
    amounts and shipping (their rounding discounts taken off)."""
    return sum(
        (
            line.unit_price * line.quantity - line.discount + line.shipping_price
            for line in lines
            if line.active
        ),
        Decimal(0),
    )


def check_total(r, total, lines, fees, path):
    """Check the order's ``total`` figure (None: not given) against the
    active lines and their shipping, with or without the fee lines
    (``fees``: dicts with an ``amount``); record a reason naming both
    figures on ``r`` when neither adds up. Returns whether the total holds
    the fees (None when unchecked or wrong)."""
    if total is None:
        return None
    sold = sold_total(lines)
    if abs(total - sold) < CENT:
        return False
    fee_sum = sum((fee["amount"] for fee in fees), Decimal(0))
    if fees and abs(total - sold - fee_sum) < CENT:
        return True
    with_fees = f" (with the fees {sold + fee_sum})" if fees else ""
    r.fail(
        path,
        f"{total} differs from the active lines and shipping {sold}{with_fees}",
    )
    return None


def fee_record(sku, label, amount):
    """A fee pseudo-line as ``extra["fees"]`` keeps it (JSON-ready)."""
    return {"sku": sku, "label": label or "", "amount": amount}


def fees_extra(fees):
    """``fees`` (from ``fee_record``) with amounts as texts, for ``extra``."""
    return [{**fee, "amount": str(fee["amount"])} for fee in fees]


# -- shipments ---------------------------------------------------------------
_TRACKING_FIELD = re.compile(r"\{(parcel|tracking)\}", re.IGNORECASE)


def tracking_link(template, number):
    """The tracking URL of parcel ``number`` from a carrier's ``template``:
    its ``{parcel}`` / ``{tracking}`` replaced by the number (URL-quoted),
    else (Cdiscount's ``DefaultURL`` are prefixes such as
    ``...suivre.do?colispart=``) the template followed by the number; None
    without a template or a number."""
    template = template.strip() if isinstance(template, str) else ""
    number = number.strip() if isinstance(number, str) else ""
    if not template or not number:
        return None
    quoted = quote(number, safe="")
    if _TRACKING_FIELD.search(template):
        return _TRACKING_FIELD.sub(lambda _match: quoted, template)
    return template + quoted


# -- addresses ---------------------------------------------------------------
@dataclass(frozen=True)
class AddressParts:
    """The texts of an address as a mapper read them (None when absent)."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street: str | None = None  # Street / addressLine1 (or Address1)
    street2: str | None = None  # Address2 / addressLine2
    street3: str | None = None  # addressLine3
    building: str | None = None
    apartment: str | None = None
    place_name: str | None = None  # a lieu-dit, or the relay point's name
    relay_id: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None  # code or name, as given
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    instructions: str | None = None


def build_address(r, parts, path, keys):
    """The canonical ``Address`` of ``parts`` (``AddressParts``); a missing
    name, street, zip code, city or country, or an unknown country, is
    recorded on ``r`` under ``path`` and the payload's own key for it
    (``keys``: part name -> key, e.g. ``{"street": "Street"}``).

    Name: first and last name, else the company. Street: the first street
    line, else the second. ``street2`` joins the other street lines with
    the building and the apartment, and the place name of an address that
    is not a relay point. A relay point (``relay_id``): its name is the
    company and ``additional_info`` says "Relay point <id> (<name>)"."""
    name = " ".join(p for p in (parts.first_name, parts.last_name) if p)
    name = name or parts.company
    if not name:
        r.fail(_join(path, keys.get("last_name", "last_name")), "missing")
    street = parts.street or parts.street2
    if not street:
        r.fail(_join(path, keys.get("street", "street")), "missing")
    for part in ("zip", "city", "country"):
        if not getattr(parts, part):
            r.fail(_join(path, keys.get(part, part)), "missing")
    country = None
    if parts.country:
        country = country_code(parts.country)
        if country is None:
            key = _join(path, keys.get("country", "country"))
            r.fail(key, f"unknown country {_show(parts.country)}")
    relay = parts.relay_id
    extras = [parts.street2 if parts.street else None, parts.street3]
    extras += [parts.building, parts.apartment]
    if not relay:
        extras.append(parts.place_name)
    info = [parts.instructions]
    if relay:
        where = f" ({parts.place_name})" if parts.place_name else ""
        info.insert(0, f"Relay point {relay}{where}")
    return Address(
        name=name or "",
        street=street or "",
        street2=_joined(extras, ", "),
        zip=parts.zip,
        city=parts.city or "",
        country_code=country or "",
        company=(parts.place_name or parts.company) if relay else parts.company,
        phone=parts.phone or parts.mobile,
        mobile=parts.mobile if parts.phone else None,
        email=parts.email,
        additional_info=_joined(info, "\n"),
    )


def _joined(texts, separator):
    """The distinct non-empty ``texts`` joined, None when there are none."""
    kept = []
    for text in texts:
        if text and text not in kept:
            kept.append(text)
    return separator.join(kept) or None


# country names Cdiscount's buyers and its SOAP API write (upper case, no
# accents), in French and English, for where Cdiscount.fr delivers
def country_code(value):
    """The ISO 3166 alpha-2 code of a country given as an alpha-2 or
    alpha-3 code or by its name (``"FR"``, ``"FRA"``, ``"France"``,
    ``"FRANCE"``, ``"Réunion"``), None when unknown."""
    return country_from_text(value)


def text(data, key, max_length=200):
    """A free text of the payload (control characters removed), None when
    absent, blank or not a text: for informative fields that never put an
    order in error."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return clean_text(value, max_length) or None
