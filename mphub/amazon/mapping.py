"""Amazon Orders API v0 payload -> canonical ``Order``.

The raw payload the connector stores is the ``Order`` object of getOrders
(read with a restricted data token, so the buyer and address are complete)
with the ``OrderItems`` of getOrderItems added under the same name. The
mapping is strict: an order whose amounts do not add up to its
``OrderTotal``, an item without SKU or with a quantity that is not a whole
number raise ``InvalidPayload`` with every reason found.

Amounts (EU marketplaces): ``ItemPrice`` is the unit price times the quantity,
VAT included, and ``ItemTax`` its VAT part; shipping likewise; promotions
(``PromotionDiscount``, ``ShippingDiscount``) are positive amounts taken off.
The VAT rate of a line is the standard rate whose tax, computed on the line's
gross amount, gives ``ItemTax`` to the cent.

Fulfilment by Amazon (``FulfillmentChannel`` AFN) orders keep their status
prefixed (``AFN:Shipped``), so that an account can import FBA orders (already
delivered by Amazon) without importing seller-fulfilled orders first seen as
shipped.
"""

from decimal import ROUND_HALF_UP, Decimal

from ..canonical import Address, Customer, Order, OrderLine, OrderStatus, Tax
from ..errors import InvalidPayload
from ..parsing import CENT, Reader

ORDER_STATUSES = {
    "PendingAvailability": OrderStatus.PENDING,
    "Pending": OrderStatus.PENDING,
    "Unshipped": OrderStatus.TO_SHIP,
    "PartiallyShipped": OrderStatus.TO_SHIP,
    "Shipped": OrderStatus.SHIPPED,
    "InvoiceUnconfirmed": OrderStatus.SHIPPED,
    "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.CANCELLED,
}
AFN_PREFIX = "AFN:"
# statuses whose items carry no prices yet (payment not authorised)
UNPRICED_STATUSES = frozenset({"Pending", "PendingAvailability"})
# VAT rates of the countries Amazon Europe sells to, in percent
VAT_RATES = tuple(
    Decimal(rate)
    for rate in (
        "0 2.1 3 4 5 5.5 6 7 8 8.5 9 10 12 13 13.5 14 15 16 17 18 19 20 21 22 23 "
        "24 25 25.5 27"
    ).split()
)


def marketplace_status(raw):
    """The order status as the connector's import states know it."""
    status = raw.get("OrderStatus") if isinstance(raw, dict) else None
    if raw.get("FulfillmentChannel") == "AFN" and isinstance(status, str):
        return AFN_PREFIX + status
    return status


def infer_vat_rate(gross, tax):
    """The VAT rate (percent) whose tax on ``gross`` (tax included) rounds
    to ``tax``; the nearest standard rate, or None when none is within a
    cent."""
    if not gross or not tax:
        return Decimal(0) if not tax else None
    best = None
    for rate in VAT_RATES:
        computed = (gross * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
        gap = abs(computed - tax)
        if gap <= CENT and (best is None or gap < best[0]):
            best = (gap, rate)
    return best[1] if best else None


def map_order(raw):
    """Return the canonical ``Order`` of a stored Amazon v0 order."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.str(raw, "AmazonOrderId", "")
    status = r.choice(raw, "OrderStatus", "", ORDER_STATUSES)
    created = r.datetime(raw, "PurchaseDate", "")
    updated = r.datetime(raw, "LastUpdateDate", "")
    priced = status not in UNPRICED_STATUSES
    total_money = r.obj(raw, "OrderTotal", "", required=False)
    total = currency = None
    if total_money is not None:
        total = r.decimal(total_money, "Amount", "OrderTotal")
        currency = r.str(total_money, "CurrencyCode", "OrderTotal")
    elif priced and status not in ("Canceled", "Unfulfillable"):
        r.fail("OrderTotal", "missing")
    items = r.list(raw, "OrderItems", "", non_empty=True)
    lines = []
    for index, item in enumerate(items):
        line, item_currency = _line(r, item, f"OrderItems[{index}]", priced)
        if line is not None:
            lines.append(line)
        currency = currency or item_currency
    customer = _customer(r, raw)
    r.raise_if_errors()
    if not currency:
        currency = _marketplace_currency(raw)
    if total is not None and priced:
        computed = sum(
            (
                line.unit_price * line.quantity
                + line.shipping_price
                - line.discount
                + line.gift_wrap
                for line in lines
            ),
            Decimal(0),
        )
        if computed != total:
            raise InvalidPayload(
                f"OrderTotal: {total} differs from the items' amounts less "
                f"promotions plus gift wrapping, {computed}"
            )
    shipping = sum((line.shipping_price for line in lines), Decimal(0))
    deadline = Reader().datetime(raw, "LatestShipDate", "", required=False)
    afn = raw.get("FulfillmentChannel") == "AFN"
    return Order(
        external_id=order_id,
        status=ORDER_STATUSES[status],
        marketplace_status=marketplace_status(raw),
        created_at=created,
        updated_at=updated,
        currency=currency.upper(),
        customer=customer,
        lines=tuple(lines),
        tax_included=True,
        reference=raw.get("SellerOrderId") or order_id,
        total=total,
        shipping_total=shipping,
        channel=raw.get("SalesChannel") or raw.get("MarketplaceId"),
        shipping_method=raw.get("ShipmentServiceLevelCategory"),
        shipping_deadline=deadline,
        fulfilled_by_marketplace=afn,
        extra={
            "marketplace_id": raw.get("MarketplaceId"),
            "fulfillment_channel": raw.get("FulfillmentChannel"),
            "is_business_order": bool(raw.get("IsBusinessOrder")),
            "is_prime": bool(raw.get("IsPrime")),
            "purchase_order_number": (raw.get("BuyerInfo") or {}).get(
                "PurchaseOrderNumber"
            ),
        },
    )


def _marketplace_currency(raw):
    from .marketplaces import by_id

    marketplace = by_id(raw.get("MarketplaceId"))
    return marketplace.currency if marketplace else "EUR"


def _money(r, data, key, path, required=False):
    """``(amount, currency)`` of a Money object; amount ``Decimal(0)`` when
    absent and not required."""
    money = r.obj(data, key, path, required=required)
    if money is None:
        return Decimal(0), None
    amount = r.decimal(money, "Amount", f"{path}.{key}", default=Decimal(0))
    return abs(amount), money.get("CurrencyCode")


def _line(r, item, path, priced):
    if not isinstance(item, dict):
        r.fail(path, "expected an object")
        return None, None
    quantity = r.positive_int(item, "QuantityOrdered", path)
    gross, currency = _money(r, item, "ItemPrice", path, required=priced)
    tax, _cur = _money(r, item, "ItemTax", path)
    shipping, _cur = _money(r, item, "ShippingPrice", path)
    shipping_tax, _cur = _money(r, item, "ShippingTax", path)
    shipping_discount, _cur = _money(r, item, "ShippingDiscount", path)
    shipping_discount_tax, _cur = _money(r, item, "ShippingDiscountTax", path)
    discount, _cur = _money(r, item, "PromotionDiscount", path)
    discount_tax, _cur = _money(r, item, "PromotionDiscountTax", path)
    cod, _cur = _money(r, item, "CODFee", path)
    cod_discount, _cur = _money(r, item, "CODFeeDiscount", path)
    sku = r.str(item, "SellerSKU", path)
    item_id = r.str(item, "OrderItemId", path)
    if quantity is None:
        return None, currency
    unit = (gross / quantity).quantize(CENT, ROUND_HALF_UP)
    # a total that the quantity does not divide: the cents left over go to
    # the discount, so that the lines still add up to Amazon's amounts
    discount += unit * quantity - gross
    rate = infer_vat_rate(gross, tax)
    if rate is None:
        r.fail(f"{path}.ItemTax", f"{tax} is no VAT rate's tax on {gross}")
    shipping_rate = infer_vat_rate(shipping, shipping_tax)
    if shipping_rate is None:
        r.fail(
            f"{path}.ShippingTax", f"{shipping_tax} is no VAT rate's tax on {shipping}"
        )
    net_shipping = shipping - shipping_discount + cod - cod_discount
    net_shipping_tax = shipping_tax - shipping_discount_tax
    gift = item.get("BuyerInfo") if isinstance(item.get("BuyerInfo"), dict) else {}
    gift_wrap, _cur = _money(r, gift, "GiftWrapPrice", f"{path}.BuyerInfo")
    gift_wrap_tax, _cur = _money(r, gift, "GiftWrapTax", f"{path}.BuyerInfo")
    gift_rate = infer_vat_rate(gift_wrap, gift_wrap_tax)
    if gift_rate is None:
        r.fail(
            f"{path}.BuyerInfo.GiftWrapTax",
            f"{gift_wrap_tax} is no VAT rate's tax on {gift_wrap}",
        )
    return (
        OrderLine(
            external_id=item_id,
            sku=sku,
            quantity=quantity,
            unit_price=unit,
            title=item.get("Title") or "",
            marketplace_product_id=item.get("ASIN") or None,
            total=gross,
            taxes=(Tax(rate=rate, amount=tax),) if rate else (),
            shipping_price=net_shipping,
            shipping_taxes=(Tax(rate=shipping_rate, amount=net_shipping_tax),)
            if shipping_rate
            else (),
            discount=discount,
            discount_taxes=(Tax(rate=rate, amount=discount_tax),)
            if rate and discount
            else (),
            gift_wrap=gift_wrap,
            gift_wrap_taxes=(Tax(rate=gift_rate, amount=gift_wrap_tax),)
            if gift_rate and gift_wrap
            else (),
            gift_message=gift.get("GiftMessageText") or None,
            status=None,
            active=True,
        ),
        currency,
    )


def _customer(r, raw):
    buyer = raw.get("BuyerInfo") if isinstance(raw.get("BuyerInfo"), dict) else {}
    address = r.obj(raw, "ShippingAddress", "", required=False) or {}
    order_id = raw.get("AmazonOrderId") or ""
    tax_info = buyer.get("BuyerTaxInfo")
    tax_info = tax_info if isinstance(tax_info, dict) else {}
    vat = None
    for classification in tax_info.get("TaxClassifications") or ():
        if isinstance(classification, dict) and classification.get("Name") in (
            "VATNumber",
            "VATNumberV2",
        ):
            vat = classification.get("Value") or None
    registration = raw.get("BuyerTaxInformation")
    if not vat and isinstance(registration, dict):
        vat = registration.get("BuyerTaxRegistrationId") or None
    company = tax_info.get("CompanyLegalName") or address.get("CompanyName") or None
    name = (
        address.get("Name")
        or buyer.get("BuyerName")
        or company
        or f"Amazon {order_id}".strip()
    )
    country = address.get("CountryCode")
    if address and not country:
        r.fail("ShippingAddress.CountryCode", "missing")
    street = " ".join(
        str(address.get(key)).strip() for key in ("AddressLine1",) if address.get(key)
    )
    street2 = ", ".join(
        str(address.get(key)).strip()
        for key in ("AddressLine2", "AddressLine3")
        if address.get(key)
    )
    shipping = Address(
        name=name,
        street=street,
        street2=street2 or None,
        zip=address.get("PostalCode") or None,
        city=address.get("City") or "",
        state=address.get("StateOrRegion") or None,
        country_code=(country or "").upper() or _marketplace_country(raw),
        company=address.get("CompanyName") or None,
        phone=address.get("Phone") or None,
        email=buyer.get("BuyerEmail") or None,
    )
    return Customer(
        name=buyer.get("BuyerName") or name,
        shipping_address=shipping,
        external_id=buyer.get("BuyerEmail") or None,
        email=buyer.get("BuyerEmail") or None,
        vat=vat,
        company=company,
    )


def _marketplace_country(raw):
    from .marketplaces import by_id

    marketplace = by_id(raw.get("MarketplaceId"))
    return marketplace.country if marketplace else "FR"
