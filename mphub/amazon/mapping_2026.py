"""Amazon Orders API v2026-01-01 payload -> canonical ``Order``.

The raw payload the connector stores is the ``Order`` object of searchOrders
or getOrder, read with the datasets of ``INCLUDED_DATA``. It maps to the
canonical order the v0 mapping (``mapping.map_order``) gives for the same
order, with the same strictness (``InvalidPayload`` with every reason,
naming the field):

- status: ``fulfillment.fulfillmentStatus`` (UPPER_SNAKE, ``CANCELLED``
  with two Ls; it comes with the FULFILLMENT dataset only) is given in v0's
  vocabulary, which the account's import states use (``Unshipped``,
  ``Canceled``...), prefixed ``AFN:`` when ``fulfilledBy`` is AMAZON: an
  account switched from v0 keeps its states and its stored orders;
- amounts (PROCEEDS): money is ``{amount, currencyCode}`` with decimal
  texts; a line's amount is its ITEM proceeds (never unitPrice x quantity,
  which quantity prices break), shipping its SHIPPING (with COD_FEE and
  OTHER), gift wrapping GIFT_WRAP, promotions DISCOUNT (its detailed
  breakdowns tell the item's from the shipping's; negative or not, it is
  taken off), and TAX the VAT of each (detailed breakdowns by subtype;
  one amount for the discounts). Whether these are VAT included (EU) or net
  with TAX on top (the model's example) is decided per order against
  ``grandTotal``, never per item (a zero-VAT item fits both readings): net
  amounts get their VAT added, so the canonical order is VAT included as
  in v0. VAT is never derived from amounts: an amount whose VAT Amazon does
  not tell apart carries none (the connector's tax resolver then chooses
  from the books). ``grandTotal`` less the order's DELIVERY_TIP (not the
  seller's money) is the total the lines must give to the cent;
- buyer (BUYER, RECIPIENT, TAX): ``buyer``, ``recipient.deliveryAddress``
  and its ``deliveryPreference``, the buyer's VAT number from
  ``tax.taxRegistrations``; business and Prime from ``programs``, the
  seller order id from ``orderAliases``, the replaced order from
  ``associatedOrders``, promotions (PROMOTION) and the buyer's cancellation
  request (CANCELLATION) from the items.
"""

from decimal import Decimal

from ..canonical import OrderLine
from ..errors import InvalidPayload
from ..parsing import Reader
from .mapping import (
    DEAD_STATUSES,
    ORDER_STATUSES,
    UNPRICED_STATUSES,
    amazon_order,
    build_customer,
    check_total,
    marketplace_of,
    order_extras,
    tax_of,
    unit_price,
)

# the datasets of searchOrders and getOrder the mapping reads
INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "TAX",
)
# fulfillmentStatus -> v0's OrderStatus, the account's import states
V0_STATUSES = {
    "PENDING_AVAILABILITY": "PendingAvailability",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}
# fulfillmentServiceLevel -> v0's ShipmentServiceLevelCategory
SERVICE_LEVELS = {
    "EXPEDITED": "Expedited",
    "FREE_ECONOMY": "FreeEconomy",
    "NEXT_DAY": "NextDay",
    "PRIORITY": "Priority",
    "SAME_DAY": "SameDay",
    "SECOND_DAY": "SecondDay",
    "SCHEDULED": "Scheduled",
    "STANDARD": "Standard",
}
# an item's proceeds breakdown types, and the subtypes of its TAX and
# DISCOUNT detailed breakdowns
ITEM_PROCEEDS = ("ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "TAX", "DISCOUNT")
CHARGES = ("ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER")
SUBTYPES = (*CHARGES, "DISCOUNT")
SHIPPING_CHARGES = ("SHIPPING", "COD_FEE", "OTHER")  # booked as shipping
ZERO = Decimal(0)


def is_v2026(raw):
    """Whether ``raw`` is an order of Orders API v2026-01-01 (``orderId``)
    rather than of v0 (``AmazonOrderId``): an account switched from v0
    still has v0 payloads to replay."""
    return isinstance(raw, dict) and "orderId" in raw and "AmazonOrderId" not in raw


def status_code(raw):
    """The order status in v0's vocabulary, None when unreadable."""
    fulfillment = raw.get("fulfillment") if isinstance(raw, dict) else None
    status = (
        fulfillment.get("fulfillmentStatus") if isinstance(fulfillment, dict) else None
    )
    return V0_STATUSES.get(status) if isinstance(status, str) else None


def fulfilled_by_amazon(raw):
    fulfillment = raw.get("fulfillment") if isinstance(raw, dict) else None
    return isinstance(fulfillment, dict) and fulfillment.get("fulfilledBy") == "AMAZON"


def marketplace_status(raw):
    """The order status as the connector's import states know it."""
    code = status_code(raw)
    if code is None:
        return None
    return ("AFN:" if fulfilled_by_amazon(raw) else "") + code


def raw_status(raw):
    """The canonical status of a stored order, None when unreadable; read
    without mapping the rest."""
    return ORDER_STATUSES.get(status_code(raw))


def map_order(raw):
    """Return the canonical ``Order`` of a stored v2026-01-01 order."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.str(raw, "orderId", "")
    # the status comes with the FULFILLMENT dataset only
    fulfillment = r.obj(raw, "fulfillment", "")
    status = None
    if fulfillment is not None:
        status = r.choice(fulfillment, "fulfillmentStatus", "fulfillment", V0_STATUSES)
        by = ("MERCHANT", "AMAZON")
        r.choice(fulfillment, "fulfilledBy", "fulfillment", by, required=False)
    fulfillment = fulfillment or {}
    created = r.datetime(raw, "createdTime", "")
    updated = r.datetime(raw, "lastUpdatedTime", "")
    code = V0_STATUSES.get(status)
    priced = code not in UNPRICED_STATUSES | DEAD_STATUSES
    total, currency = _grand_total(r, raw, priced)
    items = r.list(raw, "orderItems", "", non_empty=True)
    proceeds = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.fail(f"orderItems[{index}]", "expected an object")
            continue
        path = f"orderItems[{index}]"
        found = _item_proceeds(r, item, path, priced)
        proceeds.append((path, _item_fields(r, item, path), found))
        currency = currency or found["currency"]
    sales = r.obj(raw, "salesChannel", "") or {}
    marketplace_id = r.str(sales, "marketplaceId", "salesChannel", required=False)
    customer = _customer(r, raw, marketplace_id)
    texts = _texts(r, raw, fulfillment)
    extra = _extras(r, raw, items)
    r.raise_if_errors()
    net = _net_of_vat(total, [found for _path, _fields, found in proceeds], priced)
    lines = [_line(r, path, fields, found, net) for path, fields, found in proceeds]
    r.raise_if_errors()
    if total is not None and (priced or all(line.total for line in lines)):
        check_total(total, lines, "proceeds.grandTotal")
    return amazon_order(
        order_id,
        code,
        afn=fulfilled_by_amazon(raw),
        created_at=created,
        updated_at=updated,
        currency=(currency or marketplace_of(marketplace_id).currency).upper(),
        customer=customer,
        lines=lines,
        total=total,
        reference=texts["seller_order_id"],
        channel=texts["channel"] or marketplace_id,
        shipping_method=texts["service_level"],
        shipping_deadline=texts["deadline"],
        extra={
            "marketplace_id": marketplace_id,
            "fulfillment_channel": texts["fulfillment_channel"],
            "is_business_order": "AMAZON_BUSINESS" in texts["programs"],
            "is_prime": "PRIME" in texts["programs"],
            "purchase_order_number": texts["purchase_order"],
            **extra,
        },
    )


# ----------------------------------------------------------------------
# amounts
# ----------------------------------------------------------------------
def _money(r, data, key, path, required=False, signed=False):
    """``(amount, currency)`` of a Money object (``None`` amount when
    absent); negative amounts are refused but for ``signed`` ones."""
    money = r.obj(data, key, path, required=required)
    if money is None:
        return None, None
    where = f"{path}.{key}"
    amount = r.decimal(money, "amount", where, minimum=None if signed else 0)
    currency = r.currency(money, "currencyCode", where)
    return amount, currency


def _grand_total(r, raw, priced):
    """``(total, currency)``: ``proceeds.grandTotal`` less the order's
    delivery tips (charged apart, not the seller's)."""
    proceeds = r.obj(raw, "proceeds", "", required=False) or {}
    total, currency = _money(r, proceeds, "grandTotal", "proceeds")
    if total is None:
        if priced:
            r.fail("proceeds.grandTotal", "missing")
        return None, currency
    for index, entry in enumerate(r.records(proceeds, "breakdowns", "proceeds")):
        if entry.get("type") == "DELIVERY_TIP":
            path = f"proceeds.breakdowns[{index}]"
            tip, _currency = _money(r, entry, "subtotal", path, required=True)
            total -= tip or ZERO
    return total, currency


def _item_proceeds(r, item, path, priced):
    """An item's proceeds: ``charges`` (type -> amount), ``discounts``
    (subtype -> amount taken off), ``taxes`` (subtype -> VAT, the
    discounts' as the amount it takes off; None when the TAX breakdown does
    not tell them apart), ``tax`` (the item's whole VAT, None without TAX)
    and ``currency``."""
    found = {"charges": {}, "discounts": {}, "taxes": None, "tax": None}
    found["currency"] = None
    proceeds = r.obj(item, "proceeds", path, required=priced)
    path = f"{path}.proceeds"
    entries = (
        r.records(proceeds, "breakdowns", path, required=priced) if proceeds else []
    )
    given = {}  # type -> [(amount, details or None)]
    for index, entry in enumerate(entries):
        where = f"{path}.breakdowns[{index}]"
        kind = r.enum(entry, "type", where, ITEM_PROCEEDS)
        signed = kind in ("TAX", "DISCOUNT")
        amount, currency = _money(r, entry, "subtotal", where, True, signed)
        found["currency"] = found["currency"] or currency
        details = _details(r, entry, where, amount) if signed else None
        if kind is not None and amount is not None:
            given.setdefault(kind, []).append((amount, details))
    for kind in CHARGES:
        if kind in given:
            found["charges"][kind] = sum((a for a, _d in given[kind]), ZERO)
    if "DISCOUNT" in given:
        amount, details = _merged(given["DISCOUNT"])
        details = details or {"ITEM": amount}
        found["discounts"] = {key: abs(value) for key, value in details.items()}
    if "TAX" in given:
        amount, details = _merged(given["TAX"])
        taxes = found["taxes"] = _item_taxes(found, amount, details)
        if taxes is None:
            found["tax"] = amount
        else:
            found["tax"] = sum(
                (value for key, value in taxes.items() if key != "DISCOUNT"), ZERO
            ) - taxes.get("DISCOUNT", ZERO)
    return found


def _merged(entries):
    """``(amount, details)`` of the entries of one type (given twice, they
    add up); the details are None unless every entry has some."""
    amount = sum((a for a, _d in entries), ZERO)
    if any(details is None for _a, details in entries):
        return amount, None
    merged = {}
    for _amount, details in entries:
        for key, value in details.items():
            merged[key] = merged.get(key, ZERO) + value
    return amount, merged


def _details(r, entry, path, subtotal):
    """The detailed breakdowns of a TAX or DISCOUNT entry (subtype ->
    amount), None when it has none; they must add up to the subtotal."""
    if not entry.get("detailedBreakdowns"):
        return None
    details = {}
    for index, detail in enumerate(r.records(entry, "detailedBreakdowns", path)):
        where = f"{path}.detailedBreakdowns[{index}]"
        subtype = r.enum(detail, "subtype", where, SUBTYPES)
        value, _currency = _money(r, detail, "value", where, True, signed=True)
        if subtype is not None and value is not None:
            details[subtype] = details.get(subtype, ZERO) + value
    if subtotal is not None and sum(details.values(), ZERO) != subtotal:
        r.fail(
            f"{path}.detailedBreakdowns",
            f"add up to {sum(details.values(), ZERO)}, not the subtotal {subtotal}",
        )
    return details


def _item_taxes(found, amount, details):
    """The VAT of each of an item's amounts (subtype -> amount; the
    discounts' as the amount it takes off), None when the TAX breakdown
    does not tell them apart (no detailed breakdowns and more than the
    item's own amount)."""
    if details:
        return {
            key: abs(value) if key == "DISCOUNT" else value
            for key, value in details.items()
        }
    others = [
        value for kind, value in found["charges"].items() if kind != "ITEM" and value
    ] + [value for value in found["discounts"].values() if value]
    return None if others else {"ITEM": amount}


def _net_of_vat(total, proceeds, priced):
    """Whether the order's amounts are net of VAT (TAX on top), decided
    once for the order against its grand total: VAT included when the
    amounts alone give it (a zero VAT fits both readings)."""
    if total is None:
        return False
    gross = sum((_amounts(found) for found in proceeds), ZERO)
    tax = sum((found["tax"] or ZERO for found in proceeds), ZERO)
    if gross == total:
        return False
    if tax and gross + tax == total:
        return True
    if priced or all(found["charges"].get("ITEM") for found in proceeds):
        raise InvalidPayload(
            f"proceeds.grandTotal: {total} is neither the items' proceeds, "
            f"{gross} (VAT included), nor these plus their TAX, {gross + tax}"
        )
    return False


def _amounts(found):
    """What the item's proceeds charge, less its discounts, VAT aside."""
    return sum(found["charges"].values(), ZERO) - sum(found["discounts"].values(), ZERO)


def _item_fields(r, item, path):
    """What an item says besides its amounts (read before them, so that
    every reason is given at once)."""
    product = r.obj(item, "product", path) or {}
    where = f"{path}.product"
    fulfillment = r.obj(item, "fulfillment", path, required=False) or {}
    packing = r.obj(fulfillment, "packing", f"{path}.fulfillment", False) or {}
    gift = r.obj(packing, "giftOption", f"{path}.fulfillment.packing", False) or {}
    return {
        "quantity": r.positive_int(item, "quantityOrdered", path),
        "sku": r.str(product, "sellerSku", where),
        "external_id": r.str(item, "orderItemId", path),
        "title": r.str(product, "title", where, required=False, default=""),
        "marketplace_product_id": r.str(product, "asin", where, required=False),
        "gift_message": r.str(
            gift, "giftMessage", f"{path}.fulfillment.packing.giftOption", False
        ),
    }


def _line(r, path, fields, found, net):
    if net and found["tax"] and found["taxes"] is None:
        r.fail(
            f"{path}.proceeds",
            "TAX on top of the amounts without detailed breakdowns: its "
            "VAT cannot be put on the item, shipping and gift wrapping",
        )
        return None
    amounts = _line_amounts(found, net)
    unit, cents = unit_price(amounts["item"], fields["quantity"])
    given = found["tax"] is not None and found["taxes"] is not None
    return OrderLine(
        **fields,
        unit_price=unit,
        total=amounts["item"],
        taxes=tax_of(amounts["item_tax"], given),
        shipping_price=amounts["shipping"],
        shipping_taxes=tax_of(amounts["shipping_tax"], given),
        discount=amounts["discount"] + cents,
        discount_taxes=tax_of(amounts["discount_tax"], given)
        if amounts["discount_tax"]
        else (),
        gift_wrap=amounts["gift_wrap"],
        gift_wrap_taxes=tax_of(
            amounts["gift_wrap_tax"], given and "GIFT_WRAP" in found["charges"]
        ),
        status=None,
        active=True,
    )


def _line_amounts(found, net):
    """The VAT-included amounts of an item and their VAT (None: not told
    apart): the item, its shipping net of the shipping discount, its
    promotion and gift wrapping.

    A discount tax comes as one amount: it goes to the promotion or to
    the shipping discount, whichever there is. With both, it cannot be
    split without deriving VAT: VAT included, the shipping discount is
    taken off the shipping and neither carries a VAT; net of VAT, both
    discounts and their VAT make the promotion (VAT unknown), the shipping
    keeps its own."""
    charges, discounts, taxes = found["charges"], found["discounts"], found["taxes"]

    def tax(*kinds):
        if taxes is None:
            return None
        return sum((taxes.get(kind, ZERO) for kind in kinds), ZERO)

    def gross(kinds):
        amount = sum((charges.get(kind, ZERO) for kind in kinds), ZERO)
        return amount + ((tax(*kinds) or ZERO) if net else ZERO)

    item_discount = sum(
        (value for key, value in discounts.items() if key != "SHIPPING"), ZERO
    )
    shipping_discount = discounts.get("SHIPPING", ZERO)
    discount_tax = tax("DISCOUNT")
    amounts = {
        "item": gross(["ITEM"]),
        "item_tax": tax("ITEM"),
        "shipping": gross(SHIPPING_CHARGES),
        "shipping_tax": tax(*SHIPPING_CHARGES),
        "gift_wrap": gross(["GIFT_WRAP"]),
        "gift_wrap_tax": tax("GIFT_WRAP"),
        "discount": item_discount,
        "discount_tax": discount_tax,
    }
    added = discount_tax if net and discount_tax else ZERO
    if not shipping_discount:
        amounts["discount"] += added
    elif not item_discount:
        amounts["shipping"] -= shipping_discount + added
        if amounts["shipping_tax"] is not None:
            amounts["shipping_tax"] -= discount_tax
        amounts["discount_tax"] = None
    elif net:
        amounts["discount"] += shipping_discount + added
        amounts["discount_tax"] = None
    else:
        amounts["shipping"] -= shipping_discount
        amounts["shipping_tax"] = amounts["discount_tax"] = None
    return amounts


# ----------------------------------------------------------------------
# buyer and order texts
# ----------------------------------------------------------------------
def _customer(r, raw, marketplace_id):
    """The buyer (BUYER), the delivery address and instructions
    (RECIPIENT) and the buyer's tax registration (TAX)."""
    buyer = r.obj(raw, "buyer", "", required=False) or {}
    recipient = r.obj(raw, "recipient", "", required=False) or {}
    address = r.obj(recipient, "deliveryAddress", "recipient", required=False) or {}
    preference = r.obj(recipient, "deliveryPreference", "recipient", False) or {}
    vat, legal_name = _buyer_registration(r, raw)

    def text(data, key, path):
        return r.str(data, key, path, required=False) or None

    where = "recipient.deliveryAddress"
    recipient_company = text(address, "companyName", where)
    found = {
        "order_id": raw.get("orderId"),
        "has_address": bool(address),
        "vat": vat,
        "company": legal_name
        or text(buyer, "buyerCompanyName", "buyer")
        or recipient_company,
        "recipient_company": recipient_company,
        "buyer_name": text(buyer, "buyerName", "buyer"),
        "email": text(buyer, "buyerEmail", "buyer"),
    }
    for key, field in (
        ("name", "name"),
        ("country", "countryCode"),
        ("street", "addressLine1"),
        ("street2", "addressLine2"),
        ("street3", "addressLine3"),
        ("address_type", "addressType"),
        ("zip", "postalCode"),
        ("city", "city"),
        ("state", "stateOrRegion"),
        ("phone", "phone"),
    ):
        found[key] = text(address, field, where)
    kind = found["address_type"]
    found["address_type"] = (
        kind.lower() if kind in ("COMMERCIAL", "RESIDENTIAL") else None
    )
    instructions = [
        text(preference, key, "recipient.deliveryPreference")
        for key in ("addressInstruction", "dropOffLocation")
    ]
    found["instructions"] = "\n".join(line for line in instructions if line) or None
    return build_customer(r, found, f"{where}.countryCode", marketplace_id)


def _buyer_registration(r, raw):
    """``(number, legal name)`` of the buyer's tax registration: its VAT
    number, else its business registration; never guessed."""
    tax = r.obj(raw, "tax", "", required=False) or {}
    chosen = {}
    for index, entry in enumerate(r.records(tax, "taxRegistrations", "tax")):
        path = f"tax.taxRegistrations[{index}]"
        if entry.get("entityType") not in (None, "BUYER"):
            continue
        kind = entry.get("taxRegistrationType")
        number = r.str(entry, "taxRegistrationNumber", path, required=False)
        if number and kind in ("VAT", "BUSINESS") and kind not in chosen:
            chosen[kind] = (number, r.str(entry, "legalName", path, required=False))
    return chosen.get("VAT") or chosen.get("BUSINESS") or (None, None)


def _texts(r, raw, fulfillment):
    """The order's texts: seller order id, channel, service level, ship-by
    date, fulfilment channel (v0's MFN/AFN), programs, purchase order."""
    seller_order_id = None
    for index, alias in enumerate(r.records(raw, "orderAliases", "")):
        path = f"orderAliases[{index}]"
        if alias.get("aliasType") == "SELLER_ORDER_ID" and not seller_order_id:
            seller_order_id = r.str(alias, "aliasId", path, required=False)
    sales = raw.get("salesChannel") if isinstance(raw.get("salesChannel"), dict) else {}
    level = r.str(fulfillment, "fulfillmentServiceLevel", "fulfillment", False)
    window = r.obj(fulfillment, "shipByWindow", "fulfillment", required=False) or {}
    buyer = raw.get("buyer") if isinstance(raw.get("buyer"), dict) else {}
    by = fulfillment.get("fulfilledBy")
    return {
        "seller_order_id": seller_order_id,
        "channel": r.str(sales, "marketplaceName", "salesChannel", required=False),
        "service_level": SERVICE_LEVELS.get(level, level),
        "deadline": Reader().datetime(window, "latestDateTime", "", False),
        "fulfillment_channel": {"AMAZON": "AFN", "MERCHANT": "MFN"}.get(by),
        "programs": set(r.texts(raw, "programs", "")),
        "purchase_order": r.str(buyer, "buyerPurchaseOrderNumber", "buyer", False),
    }


def _extras(r, raw, items):
    """The replaced order (``associatedOrders``), the promotions
    (PROMOTION) and the buyer's cancellation request (CANCELLATION)."""

    def promotion_ids(item, index):
        path = f"orderItems[{index}]"
        promotion = r.obj(item, "promotion", path, required=False) or {}
        path += ".promotion"
        return [
            value
            for number, entry in enumerate(r.records(promotion, "breakdowns", path))
            if (
                value := r.str(
                    entry, "promotionId", f"{path}.breakdowns[{number}]", False
                )
            )
        ]

    def cancel_reason(item, index):
        path = f"orderItems[{index}]"
        cancellation = r.obj(item, "cancellation", path, required=False) or {}
        path += ".cancellation"
        request = r.obj(cancellation, "cancellationRequest", path, required=False)
        if request is None:
            return None
        return r.str(request, "cancelReason", f"{path}.cancellationRequest", False, "")

    replaced = None
    for index, entry in enumerate(r.records(raw, "associatedOrders", "")):
        if entry.get("associationType") == "REPLACEMENT_ORIGINAL_ID" and not replaced:
            replaced = r.str(entry, "orderId", f"associatedOrders[{index}]", False)
    return {
        "replaced_order_id": replaced,
        **order_extras(items, promotion_ids, cancel_reason),
    }
