"""Orders API v2026-01-01 of the Amazon emulator, the variety of its orders,
and the switch that removes the Orders v0 order operations.

searchOrders ``GET /orders/2026-01-01/orders`` and getOrder
``GET /orders/2026-01-01/orders/{orderId}`` serve the store Orders v0 serves
(``amazon``): an order has the same ids, items, amounts to the cent and
status in both versions. No ``payload`` wrapper; money is
``{"amount": "12.30", "currencyCode": "EUR"}``, a decimal string, negative
for discounts.

searchOrders' query, in camelCase (the v0 PascalCase names are ignored):

- exactly one of ``createdAfter`` and ``lastUpdatedAfter``;
  ``createdBefore`` only with ``createdAfter``, ``lastUpdatedBefore`` only
  with ``lastUpdatedAfter``; an ``*After`` and a ``*Before`` at least 2
  minutes before now, the ``*Before`` not before its ``*After`` (default:
  now less 2 minutes, echoed as ``createdBefore`` or ``lastUpdatedBefore``);
- ``marketplaceIds`` (50 at most; absent: every marketplace of the seller),
  ``fulfillmentStatuses`` (``FULFILLMENT_STATUSES``), ``fulfilledBy``
  (``MERCHANT``, ``AMAZON``), ``maxResultsPerPage`` (1 to 100, default
  100), ``includedData`` (``INCLUDED_DATA``); no order-id filter;
- orders sorted by the date filtered on, then by id; ``pagination.nextToken``
  on every page but the last. The next page sends it as ``paginationToken``
  with every other parameter of the first request again, with the same
  values (only ``maxResultsPerPage`` and ``includedData`` may change): a
  token alone, with other values, of another seller, altered, or older than
  24 hours (the sandbox clock) answers 400 ``InvalidInput``.

getOrder reads ``includedData`` only; an unknown order answers 404.

``includedData`` gates the datasets as the contract says. Without any, an
order has ``orderId``, ``orderAliases`` (a seller order id),
``createdTime``, ``lastUpdatedTime``, ``programs`` (``AMAZON_BUSINESS``,
``AMAZON_EASY_SHIP``, ``PREORDER``, ``PRIME``), ``associatedOrders`` (the
order a replacement replaces), ``salesChannel`` and ``orderItems``
(``orderItemId``, ``quantityOrdered``, ``product``: ASIN, title, SKU,
condition and, once priced, ``price.unitPrice``). Then:

- BUYER: ``buyer`` (name; email of merchant-fulfilled orders; company and
  purchase order number of business orders);
- RECIPIENT: ``recipient`` (delivery address: its second and third lines,
  company, state and phone only when there are some, no phone on FBA
  orders; delivery instructions), once the order is not pending;
- PROCEEDS: ``proceeds`` of the order (``grandTotal``, ``breakdowns``) and
  of each item (``proceedsTotal``, ``breakdowns``), except while PENDING
  or PENDING_AVAILABILITY;
- EXPENSE: the items' ``expense`` (Amazon points: none on these EU
  marketplaces); PROMOTION: the items' ``promotion`` (promotion ids);
  CANCELLATION: the items' ``cancellation`` (the buyer's request, and how
  a cancelled order was cancelled);
- FULFILLMENT: ``fulfillment`` of the order (status, ``fulfilledBy``,
  service level, ship-by and deliver-by windows) and of each item
  (quantities fulfilled and not, the gift option);
- PACKAGES: ``packages`` of merchant-fulfilled orders (one per
  confirmShipment, one for what the marketplace shipped itself);
- TAX: ``tax`` of business orders (the buyer's VAT registration);
  PAYMENT: ``payment`` of priced orders; FULFILLMENT_ORDERS:
  ``fulfillmentOrders`` of Easy Ship orders.

Amounts. An item's breakdowns are ITEM (the line's amount: on a line with a
quantity price it is not ``unitPrice`` x quantity), SHIPPING and GIFT_WRAP
(when not zero), DISCOUNT (negative: the promotion and the shipping
discount, detailed ITEM and SHIPPING) and TAX (detailed ITEM, SHIPPING,
GIFT_WRAP, and the discounts' tax as one negative DISCOUNT amount); the
order's breakdowns add the items' up by type. Each order follows one of two
conventions: VAT-inclusive, ``grandTotal`` = ITEM + SHIPPING + GIFT_WRAP +
DISCOUNT, TAX being the VAT these include; or net (``net_share``, as the
model's UK example), ``grandTotal`` = ITEM + SHIPPING + GIFT_WRAP + DISCOUNT
+ TAX. Each ``proceedsTotal`` follows its order's convention; everything
adds up to the cent.

Rate limits: searchOrders 0.0056 a second, burst 20; getOrder 0.5, burst 30
(``getOrder20260101`` in ``RATE_LIMITS`` and the stats).

Removing Orders v0 (``orders_v0_removed``, ``set_orders_v0_removed`` or
``POST /_sandbox/orders_v0``): getOrders, getOrder, getOrderItems,
getOrderAddress, getOrderBuyerInfo and getOrderItemsBuyerInfo answer 404
``NotFound``, with no fault and no usage plan; confirmShipment and
updateShipmentStatus stay.
"""

import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal

from .amazon_listings import (
    MARKETPLACES,
    csv_values,
    decode_token,
    encode_token,
    invalid,
    money,
    sp_error,
)
from .server import Response, format_timestamp, parse_timestamp

INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
# v0 order status -> v2026-01-01 fulfillment status
STATUS_2026 = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
FULFILLMENT_STATUSES = tuple(dict.fromkeys(STATUS_2026.values()))
# a v2026-01-01 status name -> the v0 one (the store's)
STATUS_ALIASES = {
    new: old for old, new in STATUS_2026.items() if old != "InvoiceUnconfirmed"
}
UNPRICED = ("Pending", "PendingAvailability")  # no amounts, no address yet
SHIPPING = ("PartiallyShipped", "Shipped", "InvoiceUnconfirmed")  # ship items
FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}
DATE_PARAMS = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")
SEARCH_FILTERS = (*DATE_PARAMS, "fulfillmentStatuses", "marketplaceIds", "fulfilledBy")
SEARCH_ORDERS_PARAMS = (
    *SEARCH_FILTERS,
    "maxResultsPerPage",
    "paginationToken",
    "includedData",
)
MAX_PAGE = 100
SAFETY_DELAY = timedelta(minutes=2)  # *After and *Before this far in the past
TOKEN_VALIDITY = timedelta(hours=24)
V0_REMOVED = (
    "getOrders",
    "getOrder",
    "getOrderItems",
    "getOrderAddress",
    "getOrderBuyerInfo",
    "getOrderItemsBuyerInfo",
)
V0_REMOVAL_DATE = "2027-03-27"
GIFT_WRAP_LEVEL = "Classic"
BREAKDOWN_TYPES = ("ITEM", "SHIPPING", "GIFT_WRAP", "DISCOUNT", "TAX")
# the variety of create_orders: each an exact share of the orders
VARIETY = (
    "net_share",  # net amounts, their tax on top (the model's UK example)
    "quantity_price_share",  # a line's amount is not unit price x quantity
    "zero_vat_share",  # the last item has no VAT
    "prime_share",
    "replacement_share",  # replaces an earlier order of the seller
    "seller_order_id_share",  # the seller's own order id (orderAliases)
    "cancel_request_share",  # the buyer asked to cancel the first item
    "sparse_address_share",  # no phone, state, extra lines nor company
    "easy_ship_share",  # Amazon Easy Ship: fulfillment orders
)
# create_orders arguments giving the whole variety of the contract
VARIETY_SHARES = {
    "afn_share": 0.15,
    "business_share": 0.15,
    "promotion_share": 0.3,
    "gift_share": 0.1,
    "net_share": 0.4,
    "quantity_price_share": 0.2,
    "zero_vat_share": 0.1,
    "prime_share": 0.3,
    "replacement_share": 0.05,
    "seller_order_id_share": 0.3,
    "cancel_request_share": 0.1,
    "sparse_address_share": 0.2,
    "easy_ship_share": 0.05,
    "status_shares": {
        "PendingAvailability": 0.03,
        "Pending": 0.07,
        "PartiallyShipped": 0.1,
        "Shipped": 0.15,
        "Canceled": 0.08,
        "Unfulfillable": 0.03,
    },
}
QUANTITY_PRICE_RATE = Decimal("0.95")  # a quantity price: 5 % off the line
CANCEL_REASONS = (
    "Order placed by mistake",
    "Found a better price elsewhere",
    "Delivery date too late",
)


# ----------------------------------------------------------------------
# shared by both Orders versions
# ----------------------------------------------------------------------
def date_window(dates, names, latest):
    """An order search's window: ``("created" or "updated", after,
    before)``. ``dates``: name -> datetime or None of the four date
    parameters, ``names`` (created after, created before, updated after,
    updated before, as the API spells them); ``latest``: now less 2
    minutes, the latest date allowed and the default ``before``. Raises 400
    InvalidInput."""
    created_after, created_before, updated_after, updated_before = names
    created, updated = dates[created_after], dates[updated_after]
    if (created is None) == (updated is None):
        raise invalid(
            f"Exactly one of {created_after} and {updated_after} is required."
        )
    if created and dates[updated_before]:
        raise invalid(
            f"{updated_after} and {updated_before} cannot be used with {created_after}."
        )
    if updated and dates[created_before]:
        raise invalid(f"{created_before} cannot be used with {updated_after}.")
    after_name, before_name = (
        (created_after, created_before) if created else (updated_after, updated_before)
    )
    after, before = dates[after_name], dates[before_name]
    for name, moment in ((before_name, before), (after_name, after)):
        if moment is not None and moment > latest:
            raise invalid(
                f"{name} must be at least 2 minutes before the time of the request."
            )
    before = latest if before is None else before
    if before < after:
        raise invalid(f"{before_name} must be later than {after_name}.")
    return ("created" if created else "updated"), after, before


def exact_counts(count, shares):
    """name -> ``round(count * share)``; ``ValueError`` for a share out of
    0..1."""
    counts = {}
    for name, share in shares.items():
        number = round(count * float(share))
        if not 0 <= number <= count:
            raise ValueError(f"{name} share must be between 0 and 1")
        counts[name] = number
    return counts


def extra_lines(source, second, third):
    """The address lines after the first one a buyer has, under the names
    ``second`` and ``third``."""
    lines = {}
    if "street_2" in source:
        lines[second] = source["street_2"]
    if "street_3" in source:
        lines[third] = source["street_3"]
    return lines


def delivery_company(order):
    """The company an order is delivered to, if any."""
    if order.sparse_address:
        return None
    if order.is_business:
        return order.company
    return order.buyer["shipping_address"].get("company")


# ----------------------------------------------------------------------
# variety
# ----------------------------------------------------------------------
def pick_statuses(rng, count, status_shares, pending, afn):
    """offset -> status for ``status_shares`` (a v0 or v2026-01-01 status
    -> exact share of the ``count`` orders), among the orders not in
    ``pending``; Unfulfillable ones among the ``afn`` ones (it only applies
    to orders Amazon fulfils). Raises ``ValueError``."""
    wanted = {}
    for name, number in exact_counts(count, status_shares).items():
        status = STATUS_ALIASES.get(name, name)
        if status not in STATUS_2026:
            raise ValueError(f"unknown order status {name!r}")
        wanted[status] = wanted.get(status, 0) + number
    order = list(STATUS_2026)
    statuses = {}
    free = [offset for offset in range(count) if offset not in pending]
    for status in sorted(wanted, key=lambda s: (s != "Unfulfillable", order.index(s))):
        pool = [
            offset
            for offset in free
            if offset not in statuses and (status != "Unfulfillable" or offset in afn)
        ]
        if wanted[status] > len(pool):
            where = "AFN orders" if status == "Unfulfillable" else "orders"
            raise ValueError(f"too few {where} left for {wanted[status]} {status}")
        for offset in rng.sample(pool, wanted[status]):
            statuses[offset] = status
    return statuses


def apply_variety(order, names, rng, known, partial=False):
    """Give a new order (its items, before they take stock) the variety of
    ``names`` (``VARIETY``); ``known``: the seller's orders so far (a
    replacement replaces one); ``partial``: it will be PartiallyShipped, so
    it gets two units at least."""
    items = order.items
    if partial and sum(item.quantity for item in items) < 2:
        items[0].quantity = 2
    if "quantity_price_share" in names:
        item = max(items, key=lambda line: line.quantity)
        item.quantity = max(item.quantity, 2)
        item.line_price = money(item.unit_price * item.quantity * QUANTITY_PRICE_RATE)
    if "zero_vat_share" in names:
        items[-1].tax_rate = Decimal(0)
    if "replacement_share" in names:
        if known:
            order.replaced_order_id = rng.choice(list(known))
        else:
            number = order.order_id.split("-")[0]
            order.replaced_order_id = f"{number}-{rng.randrange(10**7):07d}-0000000"
    if "seller_order_id_share" in names:
        order.seller_order_id = f"CMD-{order.index:07d}"
    if "cancel_request_share" in names:
        items[0].cancel_reason = rng.choice(CANCEL_REASONS)
    order.prime = "prime_share" in names
    order.sparse_address = "sparse_address_share" in names
    order.easy_ship = "easy_ship_share" in names
    if "net_share" in names:
        order.net_amounts = True
        for item in items:
            item.to_net()


# ----------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------
def _money(order, amount):
    value = money(amount)
    return {
        "amount": str(abs(value) if not value else value),
        "currencyCode": order.currency,
    }


def _stamp(moment):
    return format_timestamp(moment) if moment is not None else None


def _window(start, end):
    return {"earliestDateTime": _stamp(start), "latestDateTime": _stamp(end)}


def _digest(*parts):
    return hashlib.sha1("-".join(map(str, parts)).encode()).hexdigest()


def _programs(order):
    programs = []
    if order.is_business:
        programs.append("AMAZON_BUSINESS")
    if order.easy_ship:
        programs.append("AMAZON_EASY_SHIP")
    if order.preorder:
        programs.append("PREORDER")
    if order.prime:
        programs.append("PRIME")
    return programs


def _buyer(order):
    buyer = {"buyerName": f"{order.buyer['firstname']} {order.buyer['lastname']}"}
    if order.channel == "MFN":
        buyer["buyerEmail"] = order.email
    if order.is_business:
        buyer["buyerCompanyName"] = order.company
    if order.purchase_order:
        buyer["buyerPurchaseOrderNumber"] = order.purchase_order
    return buyer


def _recipient(order):
    if order.status in UNPRICED:
        return None
    source = order.buyer["shipping_address"]
    sparse = order.sparse_address
    address = {
        "name": f"{order.buyer['firstname']} {order.buyer['lastname']}",
        "companyName": delivery_company(order),
        "addressLine1": source["street_1"],
        **({} if sparse else extra_lines(source, "addressLine2", "addressLine3")),
        "city": source["city"],
        "stateOrRegion": None if sparse else source["city"],
        "postalCode": source["zip_code"],
        "countryCode": source["country_iso2"],
        "phone": None if sparse or order.channel == "AFN" else order.buyer["phone"],
        "addressType": "COMMERCIAL" if order.is_business else "RESIDENTIAL",
    }
    recipient = {"deliveryAddress": {k: v for k, v in address.items() if v is not None}}
    instructions = source.get("additional_info")
    if instructions and not sparse:
        recipient["deliveryPreference"] = {"addressInstruction": instructions}
    return recipient


def _item_breakdowns(item, net):
    """(type, subtotal, detailed breakdowns or None) of an item's proceeds."""
    charges = item.charges(net)
    shipping, wrap = charges["shipping"], charges["gift_wrap"]
    rows = [("ITEM", charges["item"].amount, None)]
    taxes = [("ITEM", charges["item"].tax)]
    for kind, charge in (("SHIPPING", shipping), ("GIFT_WRAP", wrap)):
        if charge.amount:
            rows.append((kind, charge.amount, None))
            taxes.append((kind, charge.tax))
    discounts = [
        (kind, -charges[name].amount)
        for kind, name in (("ITEM", "promotion"), ("SHIPPING", "shipping_discount"))
        if charges[name].amount
    ]
    if discounts:
        rows.append(("DISCOUNT", sum(value for _kind, value in discounts), discounts))
        discount_tax = charges["promotion"].tax + charges["shipping_discount"].tax
        taxes.append(("DISCOUNT", -discount_tax))
    rows.append(("TAX", sum(value for _kind, value in taxes), taxes))
    return rows


def _proceeds_total(rows, net):
    """What a list of breakdowns comes to: TAX counts with net amounts only
    (else it is included in the others)."""
    return sum(
        (subtotal for kind, subtotal, _d in rows if net or kind != "TAX"), Decimal(0)
    )


def _item_proceeds(order, item):
    if order.status in UNPRICED:
        return None
    rows = _item_breakdowns(item, order.net_amounts)
    breakdowns = []
    for kind, subtotal, details in rows:
        row = {"type": kind, "subtotal": _money(order, subtotal)}
        if details:
            row["detailedBreakdowns"] = [
                {"subtype": subtype, "value": _money(order, value)}
                for subtype, value in details
            ]
        breakdowns.append(row)
    total = _proceeds_total(rows, order.net_amounts)
    return {"proceedsTotal": _money(order, total), "breakdowns": breakdowns}


def _order_proceeds(order):
    if order.status in UNPRICED:
        return None
    sums = {}
    for item in order.items:
        for kind, subtotal, _details in _item_breakdowns(item, order.net_amounts):
            sums[kind] = sums.get(kind, Decimal(0)) + subtotal
    rows = [(kind, sums[kind], None) for kind in BREAKDOWN_TYPES if kind in sums]
    return {
        "grandTotal": _money(order, _proceeds_total(rows, order.net_amounts)),
        "breakdowns": [
            {"type": kind, "subtotal": _money(order, subtotal)}
            for kind, subtotal, _d in rows
        ],
    }


def _payment(order):
    if order.status in UNPRICED:
        return None
    execution = {
        "paymentMethod": "CreditCard",
        "paymentAmount": _money(order, order.total()),
    }
    return {"paymentExecutions": [execution]}


def _order_tax(order):
    if not order.is_business:
        return None
    registration = {
        "entityType": "BUYER",
        "legalName": order.company,
        "taxRegistrationType": "VAT",
        "taxRegistrationNumber": order.vat_number,
    }
    return {"taxRegistrations": [registration]}


def _fulfillment(order):
    day = timedelta(days=1)
    return {
        "fulfillmentStatus": STATUS_2026[order.status],
        "fulfilledBy": FULFILLED_BY[order.channel],
        "fulfillmentServiceLevel": "STANDARD",
        "shipByWindow": _window(order.purchased, order.purchased + 2 * day),
        "deliverByWindow": _window(
            order.purchased + 3 * day, order.purchased + 5 * day
        ),
    }


def _item_fulfillment(order, item):
    data = {
        "quantityFulfilled": item.shipped,
        "quantityUnfulfilled": item.quantity - item.shipped,
    }
    if item.is_gift:
        gift = {"giftMessage": item.gift_message} if item.gift_message else {}
        if item.gift_wrap:
            gift["giftWrapLevel"] = GIFT_WRAP_LEVEL
        data["packing"] = {"giftOption": gift}
    return data


def _item_promotion(order, item):
    if not item.promotion_id:
        return None
    return {"breakdowns": [{"promotionId": item.promotion_id}]}


def _item_cancellation(order, item):
    data = {}
    if item.cancel_reason:
        data["cancellationRequest"] = {
            "requester": "BUYER",
            "cancelReason": item.cancel_reason,
        }
    if order.status == "Canceled":
        asked = any(line.cancel_reason for line in order.items)
        data["cancellationExecution"] = {
            "cancelledBy": "MERCHANT" if asked else "AMAZON",
            "cancelReason": "Buyer requested cancellation"
            if asked
            else "Payment not authorized",
        }
    return data or None


def _packages(order):
    """A package per confirmShipment, and one for what the marketplace
    shipped without one (orders shipped by Amazon have none)."""
    if order.channel != "MFN":
        return None
    packages, confirmed = [], {}
    for body, moment in zip(order.shipments, order.confirmed, strict=False):
        detail = body["packageDetail"]
        lines = [
            {"orderItemId": line["orderItemId"], "quantity": line["quantity"]}
            for line in detail["orderItems"]
        ]
        for line in lines:
            confirmed[line["orderItemId"]] = (
                confirmed.get(line["orderItemId"], 0) + line["quantity"]
            )
        package = {
            "packageReferenceId": str(detail["packageReferenceId"]),
            "createdTime": _stamp(moment),
            "packageStatus": {"status": "SHIPPED"},
            "carrier": detail.get("carrierName") or detail["carrierCode"],
            "shipTime": _stamp(parse_timestamp(detail["shipDate"])),
            "trackingNumber": detail["trackingNumber"],
            "packageItems": lines,
        }
        if detail.get("shippingMethod"):
            package["shippingService"] = detail["shippingMethod"]
        packages.append(package)
    rest = [
        {"orderItemId": item.order_item_id, "quantity": left}
        for item in order.items
        if (left := item.shipped - confirmed.get(item.order_item_id, 0)) > 0
    ]
    if rest:
        shipped = [moment for moment, status in order.history if status in SHIPPING]
        moment = parse_timestamp(shipped[-1]) if shipped else order.updated
        packages.append(
            {
                "packageReferenceId": f"MKT-{order.index}",
                "createdTime": _stamp(moment),
                "packageStatus": {"status": "DELIVERED", "detailedStatus": "DELIVERED"},
                "carrier": "Colissimo",
                "shipTime": _stamp(moment),
                "shippingService": "Standard",
                "trackingNumber": "6A" + str(int(_digest(order.order_id), 16))[:11],
                "packageItems": rest,
            }
        )
    return packages or None


def _fulfillment_orders(order):
    if not order.easy_ship or order.status in UNPRICED:
        return None
    return [{"fulfillmentOrderId": _digest("easy-ship", order.order_id)[:9]}]


def _product(order, item):
    product = {
        "asin": item.asin,
        "title": item.title,
        "sellerSku": item.sku,
        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
    }
    if order.status not in UNPRICED:
        product["price"] = {"unitPrice": _money(order, item.unit_price)}
    return product


ITEM_DATASETS = (
    ("PROCEEDS", "proceeds", _item_proceeds),
    ("PROMOTION", "promotion", _item_promotion),
    ("CANCELLATION", "cancellation", _item_cancellation),
    ("FULFILLMENT", "fulfillment", _item_fulfillment),
)
ORDER_DATASETS = (
    ("BUYER", "buyer", _buyer),
    ("RECIPIENT", "recipient", _recipient),
    ("PROCEEDS", "proceeds", _order_proceeds),
    ("PAYMENT", "payment", _payment),
    ("TAX", "tax", _order_tax),
    ("FULFILLMENT", "fulfillment", _fulfillment),
)
LAST_DATASETS = (
    ("PACKAGES", "packages", _packages),
    ("FULFILLMENT_ORDERS", "fulfillmentOrders", _fulfillment_orders),
)


def render_item(order, item, included):
    """An order item of v2026-01-01 with the datasets ``included``."""
    data = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity,
        "product": _product(order, item),
    }
    _add_datasets(data, ITEM_DATASETS, included, order, item)
    return data


def _add_datasets(data, datasets, included, *source):
    """Add to ``data`` what each of ``datasets`` (dataset, key, render)
    renders of ``source`` when the dataset is ``included`` (unless None)."""
    for dataset, key, render in datasets:
        value = render(*source) if dataset in included else None
        if value is not None:
            data[key] = value


def render_order(order, included=frozenset()):
    """An order of v2026-01-01 with the datasets ``included`` (names of
    ``INCLUDED_DATA``), with its defect if malformed."""
    data = {"orderId": order.order_id}
    if order.seller_order_id:
        data["orderAliases"] = [
            {"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}
        ]
    data["createdTime"] = _stamp(order.purchased)
    data["lastUpdatedTime"] = _stamp(order.updated)
    programs = _programs(order)
    if programs:
        data["programs"] = programs
    if order.replaced_order_id:
        data["associatedOrders"] = [
            {
                "orderId": order.replaced_order_id,
                "associationType": "REPLACEMENT_ORIGINAL_ID",
            }
        ]
    data["salesChannel"] = {
        "channelName": "AMAZON",
        "marketplaceId": order.marketplace_id,
        "marketplaceName": MARKETPLACES[order.marketplace_id]["sales_channel"],
    }
    _add_datasets(data, ORDER_DATASETS, included, order)
    data["orderItems"] = [render_item(order, item, included) for item in order.items]
    _add_datasets(data, LAST_DATASETS, included, order)
    _spoil(order, data)
    return data


def _spoil(order, data):
    """A malformed order's defect (the same as in v0)."""
    first = data["orderItems"][0]
    if order.defect == "quantity_text":
        first["quantityOrdered"] = "two"
    elif order.defect == "price_not_number" and "proceeds" in first:
        first["proceeds"]["breakdowns"][0]["subtotal"]["amount"] = "12,3O"
    elif order.defect == "no_seller_sku":
        del first["product"]["sellerSku"]
    elif order.defect == "total_mismatch" and "proceeds" in data:
        total = Decimal(data["proceeds"]["grandTotal"]["amount"]) + 10
        data["proceeds"]["grandTotal"] = _money(order, total)
    elif order.defect == "no_purchase_date":
        del data["createdTime"]


# ----------------------------------------------------------------------
# the query
# ----------------------------------------------------------------------
def _included_data(request):
    values = csv_values(request, "includedData")
    unknown = sorted(set(values) - set(INCLUDED_DATA))
    if unknown:
        raise invalid(
            f"Invalid includedData: {', '.join(unknown)} (allowed: "
            f"{', '.join(INCLUDED_DATA)})."
        )
    return frozenset(values)


def _enum_values(request, name, allowed):
    values = csv_values(request, name)
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise invalid(
            f"Invalid {name}: {', '.join(unknown)} (allowed: {', '.join(allowed)})."
        )
    return sorted(set(values)) or None


def _page_size(request):
    size = request.arg("maxResultsPerPage") or str(MAX_PAGE)
    if not size.isdigit() or not 1 <= int(size) <= MAX_PAGE:
        raise invalid(f"maxResultsPerPage must be between 1 and {MAX_PAGE}.")
    return int(size)


def _matching(orders, query, cursor):
    """(sort key, order) of the ``orders`` in the query after ``cursor``,
    sorted."""
    after, before = parse_timestamp(query["a"]), parse_timestamp(query["b"])
    created = query["f"] == "created"
    found = []
    for order in orders:
        moment = order.purchased if created else order.updated
        if not after <= moment <= before:
            continue
        if query["m"] and order.marketplace_id not in query["m"]:
            continue
        if query["s"] and STATUS_2026[order.status] not in query["s"]:
            continue
        if query["c"] and FULFILLED_BY[order.channel] not in query["c"]:
            continue
        key = (format_timestamp(moment), order.order_id)
        if cursor and key <= cursor:
            continue
        found.append((key, order))
    found.sort(key=lambda pair: pair[0])
    return found


class AmazonOrders2026Mixin:
    """searchOrders and getOrder of v2026-01-01 and the Orders v0 removal
    switch, for ``AmazonEmulator`` (its store, ``api``, ``_date``,
    ``_marketplaces`` and ``_find_order``)."""

    orders_v0_removed = False

    def register_orders_2026_routes(self):
        self.api(
            "GET",
            "/orders/2026-01-01/orders",
            "searchOrders",
            self.search_orders,
            SEARCH_ORDERS_PARAMS,
        )
        self.api(
            "GET",
            "/orders/2026-01-01/orders/(?P<order_id>[^/]+)",
            "getOrder20260101",
            self.get_order_2026,
            ("includedData",),
        )
        self.admin_route(
            "GET",
            "/orders_v0",
            self._admin_orders_v0,
            "whether the Orders v0 order operations are removed, as Amazon does "
            f"on {V0_REMOVAL_DATE}",
        )
        self.admin_route(
            "POST",
            "/orders_v0",
            self._admin_set_orders_v0,
            'remove the Orders v0 order operations: {"removed": true} ('
            f"{', '.join(V0_REMOVED)} answer 404 NotFound; confirmShipment and "
            "updateShipmentStatus stay)",
        )

    # -- the v0 removal ------------------------------------------------------
    def set_orders_v0_removed(self, removed=True):
        """Remove (or bring back) the Orders v0 order operations."""
        self.orders_v0_removed = bool(removed)

    def is_removed(self, operation):
        return self.orders_v0_removed and operation in V0_REMOVED

    def check_not_removed(self, operation):
        """404 NotFound for an operation Amazon removed."""
        if self.is_removed(operation):
            raise sp_error(
                404,
                "NotFound",
                f"{operation} of the Orders API v0 was removed on "
                f"{V0_REMOVAL_DATE}: use the Orders API v2026-01-01 "
                "(searchOrders, getOrder).",
            )

    def _admin_orders_v0(self, request):
        return Response.json(
            {
                "removed": self.orders_v0_removed,
                "removal_date": V0_REMOVAL_DATE,
                "operations": list(V0_REMOVED),
            }
        )

    def _admin_set_orders_v0(self, request):
        removed = request.json_object().get("removed")
        if not isinstance(removed, bool):
            raise ValueError('{"removed": true or false} is required')
        self.set_orders_v0_removed(removed)
        return self._admin_orders_v0(request)

    # -- handlers ------------------------------------------------------------
    def render_order_2026(self, order, included=frozenset()):
        return render_order(order, included)

    def search_orders(self, request, caller):
        """searchOrders: see the module docstring."""
        included = _included_data(request)
        size = _page_size(request)
        filters = self._search_filters(request)
        token = request.arg("paginationToken")
        if token:
            query, cursor = self._read_page_token(token, caller, filters)
        else:
            query, cursor = self._search_query(filters), None
        with self.lock:
            matching = _matching(caller.seller.orders.values(), query, cursor)
            page = matching[:size]
            body = {"orders": [render_order(order, included) for _k, order in page]}
        if len(matching) > len(page):
            next_token = self._page_token(caller, query, filters, page[-1][0])
            body["pagination"] = {"nextToken": next_token}
        body["createdBefore" if query["f"] == "created" else "lastUpdatedBefore"] = (
            query["b"]
        )
        return Response.json(body)

    def get_order_2026(self, request, caller):
        """getOrder (v2026-01-01): ``{"order": ...}``."""
        included = _included_data(request)
        with self.lock:
            order = self._find_order(request.params["order_id"], caller.seller)
            return Response.json({"order": render_order(order, included)})

    def _search_filters(self, request):
        """The filters of a searchOrders request, checked and normalized:
        what the request of a following page must repeat."""
        filters = {name: _stamp(self._date(request, name)) for name in DATE_PARAMS}
        filters["fulfillmentStatuses"] = _enum_values(
            request, "fulfillmentStatuses", FULFILLMENT_STATUSES
        )
        filters["fulfilledBy"] = _enum_values(
            request, "fulfilledBy", tuple(FULFILLED_BY.values())
        )
        marketplaces = self._marketplaces(request, ("marketplaceIds",), False)
        filters["marketplaceIds"] = sorted(set(marketplaces)) if marketplaces else None
        return filters

    def _search_query(self, filters):
        """The query of a first page (its window checked)."""
        dates = {
            name: parse_timestamp(value) if value else None
            for name, value in ((n, filters[n]) for n in DATE_PARAMS)
        }
        field, after, before = date_window(
            dates, DATE_PARAMS, self.clock.now() - SAFETY_DELAY
        )
        return {
            "f": field,
            "a": format_timestamp(after),
            "b": format_timestamp(before),
            "m": filters["marketplaceIds"],
            "s": filters["fulfillmentStatuses"],
            "c": filters["fulfilledBy"],
        }

    def _signature(self, state):
        raw = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
        key = f"mphub-amazon-orders-{self.seed}".encode()
        return hmac.new(key, raw, "sha256").hexdigest()[:24]

    def _page_token(self, caller, query, filters, cursor):
        state = {
            "seller": caller.seller.seller_id,
            "q": query,
            "p": filters,
            "k": list(cursor),
            "t": format_timestamp(self.clock.now()),
        }
        return encode_token({**state, "h": self._signature(state)})

    def _read_page_token(self, token, caller, filters):
        """The query and cursor of a ``paginationToken``, if it is valid for
        this request."""
        state = decode_token(token, "paginationToken")
        signature = state.pop("h", None)
        if (
            not isinstance(signature, str)
            or not hmac.compare_digest(signature, self._signature(state))
            or state.get("seller") != caller.seller.seller_id
        ):
            raise invalid("Invalid paginationToken.")
        if self.clock.now() - parse_timestamp(state["t"]) > TOKEN_VALIDITY:
            raise invalid("The paginationToken has expired (valid 24 hours).")
        changed = [name for name in SEARCH_FILTERS if state["p"][name] != filters[name]]
        if changed:
            raise invalid(
                "With paginationToken, send every other parameter of the request "
                "that returned it with the same values (only maxResultsPerPage "
                f"and includedData may change); changed: {', '.join(changed)}."
            )
        return state["q"], tuple(state["k"])


__all__ = [
    "FULFILLMENT_STATUSES",
    "INCLUDED_DATA",
    "SEARCH_ORDERS_PARAMS",
    "STATUS_2026",
    "V0_REMOVED",
    "VARIETY",
    "VARIETY_SHARES",
    "AmazonOrders2026Mixin",
    "render_order",
]
