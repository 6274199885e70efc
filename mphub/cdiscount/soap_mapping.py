"""Cdiscount SOAP order (``GetOrderList``) -> canonical ``Order``.

The raw payload is the zeep answer turned into plain JSON
(``soap_answers.plain``): the keys are the XSD element names
(``OrderNumber``, ``OrderState``, ``OrderLineList: {"OrderLine": [...]}``),
amounts are decimal texts, dates ISO texts without a zone (Paris time).
What the XSDs leave open is decided here, with the rules both generations
share in ``common`` (states, Paris dates, line amounts, addresses, fees):

- the line total is ``PurchasePrice`` (the public sample reads 2 x 19.90 =
  39.80); the line's shipping ``UnitShippingCharges`` for the first unit
  plus ``UnitAdditionalShippingCharges`` for each further one;
- the order's figures: the validated ones once the seller accepted
  (``ValidatedTotalAmount`` is 0.00 before, and the initial ones still
  count refused lines after), else the initial ones; the order's shipping
  figure wins over the lines' (spread on the active lines), and the active
  lines and shipping must add up to the order's total, with or without the
  fee pseudo-lines (``INTERETBCA``...), which are kept in ``extra["fees"]``;
- a refused, cancelled or refunded line (``AcceptationState``) is inactive;
  a line of 0 units is only believable when inactive (a refund): it is
  then kept as one unit, for the record;
- fulfilment orders (``IsCLogistiqueOrder``, or a fulfilment ``ModGesLog``)
  are delivered by Cdiscount: ``fulfilled_by_marketplace``, their state
  prefixed ``FBC:``;
- the buyer's e-mail is ``Email``, else ``EncryptedEmail`` (a relay
  address); addresses have no phone: the customer's go on the delivery
  address.
"""

from decimal import Decimal

from ..canonical import Customer, Order, OrderStatus
from ..errors import InvalidPayload
from ..parsing import Reader
from . import common
from .soap_answers import items

# ModGesLog codes of orders Cdiscount's warehouses deliver
FULFILMENT_LOGISTICS = frozenset({"MKPFBC", "EXTFBC", "FBC", "CDSFBC"})
# ... and of seller orders shipped to a Cdiscount warehouse first
XDOCK_LOGISTICS = frozenset({"MKPXDK", "XDOCK", "MKPXDOCK"})
WAITING = "WaitingForSellerAcceptation"
ADDRESS_KEYS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "street": "Street",
    "zip": "ZipCode",
    "city": "City",
    "country": "Country",
}


def is_soap_order(raw):
    """Whether ``raw`` has the shape of a SOAP order (``OrderNumber``)."""
    return isinstance(raw, dict) and "OrderNumber" in raw


def external_id(raw):
    """The ``OrderNumber`` of a raw SOAP order, None when unusable."""
    if not isinstance(raw, dict):
        return None
    return Reader().identifier(raw, "OrderNumber", "", required=False)


def is_fulfilment(raw):
    """Whether Cdiscount delivers the order from its own warehouse."""
    if not isinstance(raw, dict):
        return False
    flag = Reader().bool(raw, "IsCLogistiqueOrder", "")
    logistics = common.text(raw, "ModGesLog")
    return bool(flag) or (logistics or "").upper() in FULFILMENT_LOGISTICS


def raw_state(raw):
    """``(status, state)`` of a raw SOAP order read without mapping it: the
    canonical status and the ``OrderState`` text (``FBC:``-prefixed for a
    fulfilment order); ``(None, None)`` when it has no state."""
    state = raw.get("OrderState") if isinstance(raw, dict) else None
    if not isinstance(state, str) or not state.strip():
        return None, None
    state = state.strip()
    return (
        common.order_status(common.SOAP_ORDER_STATES, state),
        common.marketplace_state(state, is_fulfilment(raw)),
    )


def supply_mode(raw):
    """``Seller``, ``Fulfillment`` (Cdiscount ships) or ``Xdock`` (the
    seller ships to a Cdiscount warehouse), as Octopia REST names them."""
    if is_fulfilment(raw):
        return "Fulfillment"
    if (common.text(raw, "ModGesLog") or "").upper() in XDOCK_LOGISTICS:
        return "Xdock"
    return "Seller"


def map_order(raw):
    """The canonical ``Order`` of a raw SOAP order; ``InvalidPayload`` with
    every reason when it cannot be trusted."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    number = r.identifier(raw, "OrderNumber", "")
    state = r.str(raw, "OrderState", "")
    status = common.order_status(common.SOAP_ORDER_STATES, state)
    created = common.read_datetime(r, raw, "CreationDate", "")
    updated = _updated(r, raw) or created
    common.check_dates(r, created, updated, "CreationDate")
    fulfilment = is_fulfilment(raw)
    total, shipping_total, figures = _order_figures(r, raw, state)
    customer = _customer(r, raw)
    drafts, fees = _lines(r, raw)
    r.raise_if_errors()
    lines = common.build_lines(drafts, shipping_total)
    fees_in_total = None
    if status not in OrderStatus.DEAD:
        if not any(line.active for line in lines):
            r.fail("OrderLineList", "no active order line")
        fees_in_total = common.check_total(r, total, lines, fees, figures[0])
    r.raise_if_errors()
    lenient = Reader()  # informative fields: a bad one is left out
    return Order(
        external_id=number,
        status=status,
        marketplace_status=common.marketplace_state(state, fulfilment),
        created_at=created,
        updated_at=updated,
        currency=common.CURRENCY,
        customer=customer,
        lines=lines,
        tax_included=True,
        reference=number,
        total=common.sold_total(lines),
        shipping_total=sum(
            (line.shipping_price for line in lines if line.active), Decimal(0)
        ),
        commission_total=_commission(lenient, raw),
        channel=common.SALES_CHANNEL,
        shipping_method=common.text(raw, "ShippingCode", 50),
        shipping_deadline=common.read_datetime(
            lenient, raw, "ShippingDateMax", "", required=False
        ),
        fulfilled_by_marketplace=fulfilment,
        extra={
            "supply_mode": supply_mode(raw),
            "logistics": common.text(raw, "ModGesLog", 50),
            "corporation": common.text(_obj(raw, "Corporation"), "CorporationCode"),
            "order_status": common.text(raw, "Status", 50),
            "figures": figures[1],
            "fees": common.fees_extra(fees),
            "fees_in_total": fees_in_total,
        },
    )


def _obj(data, key):
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _updated(r, raw):
    """The last change of the order: ``ModifiedDate``, else
    ``LastUpdatedDate``."""
    for key in ("ModifiedDate", "LastUpdatedDate"):
        if raw.get(key) not in (None, ""):
            return common.read_datetime(r, raw, key, "")
    return None


def _order_figures(r, raw, state):
    """``(total, shipping total, (total key, "validated"|"initial"))``: the
    validated figures once the seller accepted (the validated total is
    0.00 before), else the initial ones."""
    validated = r.decimal(raw, "ValidatedTotalAmount", "", required=False)
    accepted = state not in (None, WAITING) and bool(validated) and validated > 0
    keys = (
        ("ValidatedTotalAmount", "ValidatedTotalShippingCharges")
        if accepted
        else ("InitialTotalAmount", "InitialTotalShippingChargesAmount")
    )
    total = r.decimal(raw, keys[0], "", required=False, minimum=0)
    shipping = r.decimal(raw, keys[1], "", required=False, minimum=0)
    return total, shipping, (keys[0], "validated" if accepted else "initial")


def _commission(r, raw):
    """The commission Cdiscount takes: validated, else promised; None when
    the order gives neither."""
    values = [
        r.decimal(raw, key, "", required=False)
        for key in ("SiteCommissionValidatedAmount", "SiteCommissionPromisedAmount")
    ]
    values = [value for value in values if value is not None and value >= 0]
    return next((value for value in values if value), values[0] if values else None)


def _lines(r, raw):
    """The ``LineDraft`` of each order line and the fee pseudo-lines."""
    container = raw.get("OrderLineList")
    if container is not None and not isinstance(container, dict | list):
        r.fail("OrderLineList", f"expected an object, got {type(container).__name__}")
    entries = items(container, "OrderLine")
    if not entries:
        r.fail("OrderLineList", "no order line")
    drafts, fees = [], []
    for index, line in enumerate(entries):
        path = f"OrderLineList.OrderLine[{index}]"
        if not isinstance(line, dict):
            r.fail(path, f"expected an object, got {type(line).__name__}")
            continue
        sku = r.identifier(line, "SellerProductId", path)
        if common.is_fee(sku):
            amount = r.decimal(line, "PurchasePrice", path, minimum=0)
            if amount is not None:
                fees.append(common.fee_record(sku, common.text(line, "Name"), amount))
            continue
        draft = _line(r, line, path, sku)
        if draft is not None:
            drafts.append(draft)
    return drafts, fees


def _line(r, line, path, sku):
    state = common.text(line, "AcceptationState", 60)
    active = state not in common.SOAP_DEAD_LINE_STATES
    row_id = r.identifier(line, "RowId", path, numbers=True)
    quantity = r.count(line, "Quantity", path, required=True)
    if quantity == 0:
        if active:
            r.fail(f"{path}.Quantity", "must be at least 1 on a line still sold")
        quantity = 1  # a refunded line reports no unit left
    total = r.decimal(line, "PurchasePrice", path, minimum=0)
    first = r.decimal(line, "UnitShippingCharges", path, required=False, minimum=0)
    extra = r.decimal(
        line, "UnitAdditionalShippingCharges", path, required=False, minimum=0
    )
    if None in (row_id, sku, quantity, total):
        return None
    shipping = (first or Decimal(0)) + (extra or Decimal(0)) * (quantity - 1)
    return common.LineDraft(
        external_id=row_id,
        sku=sku,
        quantity=quantity,
        total=total,
        shipping=shipping,
        active=active,
        status=state,
        title=common.text(line, "Name") or "",
        ean=common.text(line, "ProductEan", 50),
        product_id=common.text(line, "Sku", 100) or common.text(line, "ProductId", 100),
    )


def _customer(r, raw):
    customer = r.obj(raw, "Customer", "", required=False) or {}
    email = common.text(customer, "Email") or common.text(customer, "EncryptedEmail")
    phone = common.text(customer, "Phone", 50)
    mobile = common.text(customer, "MobilePhone", 50)
    shipping = _address(r, raw, "ShippingAddress", phone, mobile, email, True)
    billing = _address(r, raw, "BillingAddress", phone, mobile, email, False)
    if shipping is None:
        return None
    names = (common.text(customer, "FirstName"), common.text(customer, "LastName"))
    name = " ".join(part for part in names if part)
    name = name or (billing.name if billing else "") or shipping.name
    delivery = _obj(raw, "ShippingAddress")
    company = common.text(_obj(raw, "BillingAddress"), "CompanyName") or (
        None
        if common.text(delivery, "RelayId")
        else common.text(delivery, "CompanyName")
    )
    return Customer(
        name=name,
        shipping_address=shipping,
        billing_address=billing,
        external_id=common.text(customer, "CustomerId", 100),
        email=email,
        company=company,
        lang="fr_FR",
    )


def _address(r, raw, key, phone, mobile, email, required):
    data = r.obj(raw, key, "", required=required)
    if data is None:
        return None
    street, address1 = common.text(data, "Street"), common.text(data, "Address1")
    parts = common.AddressParts(
        first_name=common.text(data, "FirstName"),
        last_name=common.text(data, "LastName"),
        company=common.text(data, "CompanyName"),
        street=street or address1,
        street2=common.text(data, "Address2"),
        street3=address1 if street and address1 != street else None,
        building=common.text(data, "Building"),
        apartment=common.text(data, "ApartmentNumber"),
        place_name=common.text(data, "PlaceName"),
        relay_id=common.text(data, "RelayId", 50),
        zip=common.text(data, "ZipCode", 20),
        city=common.text(data, "City"),
        country=common.text(data, "Country", 100),
        phone=phone,
        mobile=mobile,
        email=email,
        instructions=common.text(data, "Instructions", 1000),
    )
    keys = dict(ADDRESS_KEYS, street="Street" if street or not address1 else "Address1")
    return common.build_address(r, parts, key, keys)
