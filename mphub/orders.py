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
    kind: str  # "product", "shipping", "discount" or "gift_wrap"
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
    # of PlanLine: products, then shipping, discounts, gift wrapping
    lines: tuple
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

    @property
    def gift_wrap_lines(self):
        return tuple(line for line in self.lines if line.kind == "gift_wrap")


def plan_sale_order(order):
    """Return the ``SalePlan`` of a canonical order.

    Refused or cancelled lines are left out; shipping is summed per VAT rate
    into one line each, in ascending rate order, and so are promotions
    (negative discount lines) and gift wrapping.
    """
    active = [line for line in order.lines if line.active]
    product_lines = [
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
        for line in active
    ]
    # kind, amount and VAT rate of a line's charge, its sign on the total
    charges = (
        ("shipping", lambda ol: (ol.shipping_price, ol.shipping_tax_rate), 1),
        ("discount", lambda ol: (ol.discount, ol.tax_rate), -1),
        ("gift_wrap", lambda ol: (ol.gift_wrap, ol.gift_wrap_tax_rate), 1),
    )
    lines = list(product_lines)
    for kind, charge, sign in charges:
        by_rate = {}
        for line in active:
            amount, rate = charge(line)
            if amount:
                by_rate[rate] = by_rate.get(rate, Decimal(0)) + amount
        lines.extend(
            PlanLine(
                kind=kind,
                quantity=1,
                price_unit=sign * amount,
                tax_rate=rate,
                tax_included=order.tax_included,
            )
            for rate, amount in sorted(by_rate.items())
        )
    lines = tuple(lines)
    expected = sum((line.total for line in lines), Decimal(0))
    if not order.tax_included:
        expected += sum(
            (
                sign * tax.amount
                for ol in active
                for group, sign in (
                    (ol.taxes, 1),
                    (ol.shipping_taxes, 1),
                    (ol.discount_taxes, -1),
                    (ol.gift_wrap_taxes, 1),
                )
                for tax in group
            ),
            Decimal(0),
        )
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
