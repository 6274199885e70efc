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
from ..parsing import CENT, Reader

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


def map_order(raw):
    """Return the canonical ``Order`` of a Mirakl order payload."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.str(raw, "order_id", "")
    state = r.choice(raw, "order_state", "", ORDER_STATES)
    created = r.datetime(raw, "created_date", "")
    updated = r.datetime(raw, "last_updated_date", "")
    currency = r.str(raw, "currency_iso_code", "")
    tax_mode = r.choice(
        raw, "order_tax_mode", "", TAX_MODES, required=False, default="TAX_INCLUDED"
    )
    price = r.decimal(raw, "price", "")
    shipping = r.decimal(raw, "shipping_price", "", required=False, default=Decimal(0))
    total = r.decimal(raw, "total_price", "", required=False)
    commission = r.decimal(raw, "total_commission", "", required=False)
    customer = _customer(r, raw)
    lines = [
        _line(r, line, f"order_lines[{index}]", tax_mode != "TAX_EXCLUDED")
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
    r.raise_if_errors()

    channel = raw.get("channel") if isinstance(raw.get("channel"), dict) else {}
    references = (
        raw.get("references") if isinstance(raw.get("references"), dict) else {}
    )
    deadline = Reader().datetime(raw, "shipping_deadline", "", required=False)
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
        reference=raw.get("commercial_id")
        or references.get("order_reference_for_customer"),
        total=total if total is not None else price + shipping,
        shipping_total=shipping,
        commission_total=commission,
        channel=channel.get("code"),
        shipping_method=raw.get("shipping_type_code"),
        shipping_deadline=deadline,
        extra={
            "payment_workflow": raw.get("payment_workflow"),
            "shipping_tracking": raw.get("shipping_tracking"),
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
    name = " ".join(
        part
        for part in (customer.get("firstname"), customer.get("lastname"))
        if isinstance(part, str) and part.strip()
    )
    if not name and shipping:
        name = shipping.name
    if not name:
        r.fail("customer", "no name")
    locale = customer.get("locale")
    return Customer(
        name=name,
        shipping_address=shipping,
        billing_address=billing,
        external_id=r.str(customer, "customer_id", "customer", required=False),
        email=raw.get("customer_notification_email") or None,
        vat=organization.get("tax_identification_number") or None,
        company=organization.get("name") or None,
        lang=locale if isinstance(locale, str) and locale else None,
    )


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
    name = " ".join(
        part
        for part in (data.get("firstname"), data.get("lastname"))
        if isinstance(part, str) and part.strip()
    )
    if not name:
        r.fail(f"{path}.lastname", "missing")
    return Address(
        name=name,
        street=r.str(data, "street_1", path),
        street2=r.str(data, "street_2", path, required=False),
        zip=r.str(data, "zip_code", path, required=False),
        city=r.str(data, "city", path),
        state=r.str(data, "state", path, required=False),
        country_code=country,
        company=r.str(data, "company", path, required=False),
        phone=r.str(data, "phone", path, required=False),
        mobile=r.str(data, "phone_secondary", path, required=False),
    )


def _taxes(r, line, key, path, base, tax_included):
    taxes = []
    for index, tax in enumerate(r.list(line, key, path, required=False)):
        tax_path = f"{path}.{key}[{index}]"
        if not isinstance(tax, dict):
            r.fail(tax_path, "expected an object")
            continue
        amount = r.decimal(tax, "amount", tax_path)
        rate = r.rate(tax, "rate", tax_path)
        if rate is None and amount is not None and base:
            # the rate is optional in OR11: derive it from the amount
            net = base - amount if tax_included else base
            rate = (amount * 100 / net).quantize(Decimal("0.1")) if net else None
        if rate is None:
            r.fail(tax_path, "no rate")
        taxes.append(Tax(rate=rate, amount=amount, code=tax.get("code")))
    if len({t.rate for t in taxes}) > 1:
        r.fail(f"{path}.{key}", "several tax rates on one line")
    return tuple(taxes)


def _line(r, line, path, tax_included):
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
    return OrderLine(
        external_id=r.str(line, "order_line_id", path),
        sku=r.str(line, "offer_sku", path),
        quantity=quantity,
        unit_price=unit_price,
        title=line.get("product_title") or "",
        marketplace_product_id=r.str(line, "product_sku", path, required=False),
        total=total,
        taxes=_taxes(r, line, "taxes", path, total, tax_included),
        shipping_price=shipping or Decimal(0),
        shipping_taxes=_taxes(r, line, "shipping_taxes", path, shipping, tax_included),
        commission=commission,
        status=line.get("order_line_state"),
        active=line.get("order_line_state") not in DEAD_LINE_STATES,
    )
