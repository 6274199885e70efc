"""Marketplace-independent order logic: the sale order plan and acceptance.

``plan_sale_order`` turns a canonical ``Order`` into the lines a sale order
needs (product lines with the marketplace's own unit prices, shipping lines
grouped by VAT rate) and the total the marketplace expects, so the addon
only has to resolve products and taxes and create records.
"""

from dataclasses import dataclass
from decimal import Decimal

from .canonical import OrderStatus


@dataclass(frozen=True)
class PlanLine:
    kind: str  # "product", "shipping" or "discount"
    quantity: int
    price_unit: Decimal
    tax_rate: Decimal  # percent
    tax_included: bool
    name: str = ""
    sku: str | None = None
    ean: str | None = None
    marketplace_product_id: str | None = None
    external_id: str | None = None  # marketplace line id

    @property
    def total(self):
        return self.price_unit * self.quantity


@dataclass(frozen=True)
class SalePlan:
    lines: tuple  # of PlanLine: products, then shipping, then discounts
    expected_total: Decimal  # what the customer pays, taxes included
    commission: Decimal | None

    @property
    def product_lines(self):
        return tuple(line for line in self.lines if line.kind == "product")

    @property
    def shipping_lines(self):
        return tuple(line for line in self.lines if line.kind == "shipping")

    @property
    def discount_lines(self):
        return tuple(line for line in self.lines if line.kind == "discount")


def plan_sale_order(order):
    """Return the ``SalePlan`` of a canonical order.

    Refused or cancelled lines are left out; shipping is summed per VAT rate
    into one line each, in ascending rate order, and so are promotions
    (negative discount lines).
    """
    product_lines = []
    shipping_by_rate = {}
    discount_by_rate = {}
    for line in order.lines:
        if not line.active:
            continue
        product_lines.append(
            PlanLine(
                kind="product",
                quantity=line.quantity,
                price_unit=line.unit_price,
                tax_rate=line.tax_rate,
                tax_included=order.tax_included,
                name=line.title,
                sku=line.sku,
                ean=line.ean,
                marketplace_product_id=line.marketplace_product_id,
                external_id=line.external_id,
            )
        )
        if line.shipping_price:
            rate = line.shipping_tax_rate
            shipping_by_rate[rate] = (
                shipping_by_rate.get(rate, Decimal(0)) + line.shipping_price
            )
        if line.discount:
            rate = line.tax_rate
            discount_by_rate[rate] = (
                discount_by_rate.get(rate, Decimal(0)) + line.discount
            )
    shipping_lines = [
        PlanLine(
            kind="shipping",
            quantity=1,
            price_unit=amount,
            tax_rate=rate,
            tax_included=order.tax_included,
        )
        for rate, amount in sorted(shipping_by_rate.items())
    ]
    discount_lines = [
        PlanLine(
            kind="discount",
            quantity=1,
            price_unit=-amount,
            tax_rate=rate,
            tax_included=order.tax_included,
        )
        for rate, amount in sorted(discount_by_rate.items())
    ]
    lines = tuple(product_lines + shipping_lines + discount_lines)
    if order.tax_included:
        expected = sum((line.total for line in lines), Decimal(0))
    else:
        taxes = (
            sum(
                (t.amount for ol in order.lines if ol.active for t in ol.taxes),
                Decimal(0),
            )
            + sum(
                (
                    t.amount
                    for ol in order.lines
                    if ol.active
                    for t in ol.shipping_taxes
                ),
                Decimal(0),
            )
            - sum(
                (
                    t.amount
                    for ol in order.lines
                    if ol.active
                    for t in ol.discount_taxes
                ),
                Decimal(0),
            )
        )
        expected = sum((line.total for line in lines), Decimal(0)) + taxes
    commissions = [ol.commission for ol in order.lines if ol.active and ol.commission]
    commission = sum(commissions, Decimal(0)) if commissions else order.commission_total
    return SalePlan(lines=lines, expected_total=expected, commission=commission)


def acceptance_decisions(order, available):
    """Decide which lines to accept when stock must cover them.

    ``available`` maps each SKU to the quantity the seller can sell now.
    Returns ``{line_id: True}`` for every line when stock covers the whole
    order, ``None`` otherwise (the decision is left to staff).
    """
    if order.status != OrderStatus.WAITING_ACCEPTANCE:
        return None
    needed = {}
    for line in order.lines:
        needed[line.sku] = needed.get(line.sku, 0) + line.quantity
    if all(available.get(sku, 0) >= qty for sku, qty in needed.items()):
        return {line.external_id: True for line in order.lines}
    return None
