"""Mirakl OR11 order payload -> canonical ``Order``.

Field names follow the Mirakl seller API (OR11 response). The mapper is
strict: a payload that cannot be trusted (missing lines, a quantity that is
not a whole number, amounts that do not add up) raises ``InvalidPayload`` with
every problem found, and the connector keeps the order in error with its raw
payload.
"""

from decimal import Decimal

from ..canonical import Address, Customer, Order, OrderLine, OrderStatus, Tax
from ..countries import to_alpha2
from ..errors import InvalidPayload
from ..parsing import CENT, Reader, clean_text

# Mirakl order state -> canonical status
ORDER_STATES = {
    "STAGING": OrderStatus.PENDING,
    "WAITING_ACCEPTANCE": OrderStatus.WAITING_ACCEPTANCE,
    "WAITING_DEBIT": OrderStatus.ACCEPTED,
    "WAITING_DEBIT_PAYMENT": OrderStatus.ACCEPTED,
    "SHIPPING": OrderStatus.TO_SHIP,
    "SHIPPED": OrderStatus.SHIPPED,
    "TO_COLLECT": OrderStatus.SHIPPED,
    "RECEIVED": OrderStatus.DELIVERED,
    "CLOSED": OrderStatus.DELIVERED,
    "REFUSED": OrderStatus.REFUSED,
    "CANCELED": OrderStatus.CANCELLED,
}
# line states whose line is not part of what the seller sells
DEAD_LINE_STATES = frozenset({"REFUSED", "CANCELED"})
TAX_MODES = ("TAX_INCLUDED", "TAX_EXCLUDED")


def raw_status(raw):
    """The canonical status of a raw OR11 order, None when unreadable; read
    without mapping the rest (an order closed or refused may have lost its
    customer data)."""
    state = raw.get("order_state") if isinstance(raw, dict) else None
    return ORDER_STATES.get(state) if isinstance(state, str) else None


def map_order(raw):
    """Return the canonical ``Order`` of a Mirakl order payload."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.str(raw, "order_id", "")
    state = r.choice(raw, "order_state", "", ORDER_STATES)
    created = r.datetime(raw, "created_date", "")
    updated = r.datetime(raw, "last_updated_date", "")
    currency = r.currency(raw, "currency_iso_code", "")
    tax_mode = r.choice(
        raw, "order_tax_mode", "", TAX_MODES, required=False, default="TAX_INCLUDED"
    )
    price = r.decimal(raw, "price", "")
    shipping = r.decimal(raw, "shipping_price", "", required=False, default=Decimal(0))
    total = r.decimal(raw, "total_price", "", required=False)
    commission = r.decimal(raw, "total_commission", "", required=False)
    customer = _customer(r, raw)
    lines = [
        _line(r, line, f"order_lines[{index}]")
        for index, line in enumerate(
            r.list(raw, "order_lines", "", non_empty=True), start=0
        )
    ]
    r.raise_if_errors()

    line_sum = sum((line.total for line in lines), Decimal(0))
    if abs(line_sum - price) >= CENT:
        r.fail("price", f"{price} differs from the sum of the line prices {line_sum}")
    line_shipping = sum((line.shipping_price for line in lines), Decimal(0))
    if abs(line_shipping - shipping) >= CENT:
        r.fail(
            "shipping_price",
            f"{shipping} differs from the sum of the line shipping prices "
            f"{line_shipping}",
        )
    expected_total = price + shipping
    taxes = sum(
        (t.amount for line in lines for t in (*line.taxes, *line.shipping_taxes)),
        Decimal(0),
    )
    # total_price adds the lines' fees, if any: their total_price says so;
    # tax excluded, it is without taxes (some operators add them)
    line_totals = [
        Reader().decimal(line, "total_price", "", required=False)
        for line in raw["order_lines"]
    ]
    readings = [expected_total]
    if None not in line_totals:
        readings.append(sum(line_totals, Decimal(0)))
    if tax_mode == "TAX_EXCLUDED":
        readings += [reading + taxes for reading in readings]
    if total is not None and all(abs(total - r_) >= CENT for r_ in readings):
        r.fail(
            "total_price",
            f"{total} differs from price + shipping_price = {expected_total}",
        )
    r.raise_if_errors()

    channel = raw.get("channel") if isinstance(raw.get("channel"), dict) else {}
    references = (
        raw.get("references") if isinstance(raw.get("references"), dict) else {}
    )
    lenient = Reader()  # informative fields: a bad one is left out
    deadline = lenient.datetime(raw, "shipping_deadline", "", required=False)
    reference = lenient.str(raw, "commercial_id", "", required=False) or lenient.str(
        references, "order_reference_for_customer", "", required=False
    )
    return Order(
        external_id=order_id,
        status=ORDER_STATES[state],
        marketplace_status=state,
        created_at=created,
        updated_at=updated,
        currency=currency.upper(),
        customer=customer,
        lines=tuple(lines),
        tax_included=tax_mode == "TAX_INCLUDED",
        reference=reference,
        total=expected_total + taxes
        if tax_mode == "TAX_EXCLUDED"
        else (total if total is not None else expected_total),
        shipping_total=shipping,
        commission_total=commission,
        channel=lenient.str(channel, "code", "", required=False),
        shipping_method=lenient.str(raw, "shipping_type_code", "", required=False),
        shipping_deadline=deadline,
        extra={
            "payment_workflow": lenient.str(raw, "payment_workflow", "", False),
            "shipping_tracking": lenient.str(raw, "shipping_tracking", "", False),
        },
    )


def _customer(r, raw):
    customer = r.obj(raw, "customer", "")
    if customer is None:
        return None
    shipping = _address(r, customer, "shipping_address", "customer", required=True)
    billing = _address(r, customer, "billing_address", "customer", required=False)
    organization = customer.get("organization")
    organization = organization if isinstance(organization, dict) else {}
    name = _full_name(customer)
    if not name and shipping:
        name = shipping.name
    if not name:
        r.fail("customer", "no name")
    locale = clean_text(customer.get("locale"), 16)
    return Customer(
        name=name,
        shipping_address=shipping,
        billing_address=billing,
        external_id=r.str(customer, "customer_id", "customer", required=False),
        email=r.str(raw, "customer_notification_email", "", required=False) or None,
        vat=r.str(
            organization,
            "tax_identification_number",
            "customer.organization",
            required=False,
        )
        or None,
        company=r.str(organization, "name", "customer.organization", required=False)
        or None,
        lang=locale if isinstance(locale, str) and locale else None,
    )


def _full_name(data):
    """First and last name, control characters removed."""
    parts = (clean_text(data.get(key), 200) for key in ("firstname", "lastname"))
    return " ".join(part for part in parts if part)


def _address(r, customer, key, path, required):
    data = r.obj(customer, key, path, required=required)
    if data is None:
        return None
    path = f"{path}.{key}"
    country = r.str(data, "country_iso_code", path)
    try:
        country = to_alpha2(country, f"{path}.country_iso_code") if country else None
    except InvalidPayload as err:
        r.errors.extend(err.reasons)
        country = None
    name = _full_name(data)
    if not name:
        r.fail(f"{path}.lastname", "missing")
    # OR11 gives two company lines (``company_2``: a department, a
    # building) and, on the shipping address only, ``additional_info``
    companies = [
        r.str(data, key, path, required=False) for key in ("company", "company_2")
    ]
    company = " - ".join(part for part in companies if part) or None
    additional_info = r.str(data, "additional_info", path, required=False)
    return Address(
        name=name,
        street=r.str(data, "street_1", path),
        street2=r.str(data, "street_2", path, required=False),
        zip=r.str(data, "zip_code", path, required=False),
        city=r.str(data, "city", path),
        state=r.str(data, "state", path, required=False),
        country_code=country,
        company=company,
        phone=r.str(data, "phone", path, required=False),
        mobile=r.str(data, "phone_secondary", path, required=False),
        additional_info=additional_info or None,
    )


def _taxes(r, line, key, path):
    """The taxes of a line's price or shipping: amount, and the rate and code
    when given (the rate is optional in OR11: the connector then chooses the
    seller's tax and checks it against the amount, see ``mphub.taxes``)."""
    taxes = []
    for index, tax in enumerate(r.list(line, key, path, required=False)):
        tax_path = f"{path}.{key}[{index}]"
        if not isinstance(tax, dict):
            r.fail(tax_path, "expected an object")
            continue
        amount = r.decimal(tax, "amount", tax_path)
        rate = r.rate(tax, "rate", tax_path)
        code = r.str(tax, "code", tax_path, required=False)
        if amount is not None:
            taxes.append(Tax(rate=rate, amount=amount, code=code))
    return tuple(taxes)


def _line(r, line, path):
    if not isinstance(line, dict):
        r.fail(path, "expected an object")
        return None
    quantity = r.positive_int(line, "quantity", path)
    unit_price = r.decimal(line, "price_unit", path, minimum=0, exact=True)
    total = r.decimal(line, "price", path, minimum=0)
    shipping = r.decimal(line, "shipping_price", path, required=False, default=0)
    if None not in (quantity, unit_price, total):
        expected = (unit_price * quantity).quantize(CENT)
        if abs(expected - total) >= CENT:
            r.fail(
                f"{path}.price",
                f"{total} differs from price_unit x quantity = {expected}",
            )
    commission = r.decimal(line, "total_commission", path, required=False)
    state = r.str(line, "order_line_state", path, required=False)
    return OrderLine(
        external_id=r.str(line, "order_line_id", path),
        sku=r.str(line, "offer_sku", path),
        quantity=quantity,
        unit_price=unit_price,
        title=r.str(line, "product_title", path, required=False, default=""),
        marketplace_product_id=r.str(line, "product_sku", path, required=False),
        total=total,
        taxes=_taxes(r, line, "taxes", path),
        shipping_price=shipping or Decimal(0),
        shipping_taxes=_taxes(r, line, "shipping_taxes", path),
        commission=commission,
        status=state,
        active=state not in DEAD_LINE_STATES,
    )
