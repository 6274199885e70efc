"""Marketplace-independent order logic: the sale order plan and acceptance.

``plan_sale_order`` turns a canonical ``Order`` into the lines a sale order
needs (product lines with the marketplace's own unit prices, shipping lines
grouped by VAT rate) and the total the marketplace expects, so the addon
only has to resolve products and taxes and create records.
"""

from dataclasses import dataclass
from decimal import Decimal

from .canonical import OrderStatus
from .taxes import Charge


@dataclass(frozen=True)
class PlanLine:
    kind: str  # "product", "shipping", "discount" or "gift_wrap"
    quantity: int
    price_unit: Decimal
    tax_rate: Decimal | None  # percent the marketplace states, None if not
    tax_included: bool
    name: str = ""
    sku: str | None = None
    ean: str | None = None
    marketplace_product_id: str | None = None
    external_id: str | None = None  # marketplace line id
    tax_key: object = None  # the tax chosen by ``tax_of`` (see plan_sale_order)
    charges: tuple = ()  # the mphub.taxes.Charge records the line sums up

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


def stated_rate(charge):
    """Default ``tax_of``: the rate the marketplace states (0 when it gives
    no tax, None when its taxes come without a rate)."""
    if not charge.taxes:
        return Decimal(0)
    return charge.rate


# kind, what a line charges of it (amount, taxes), its sign on the total
_CHARGES = (
    ("shipping", lambda ol: (ol.shipping_price, ol.shipping_taxes), 1),
    ("discount", lambda ol: (ol.discount, ol.discount_taxes), -1),
    ("gift_wrap", lambda ol: (ol.gift_wrap, ol.gift_wrap_taxes), 1),
)


def order_charges(order):
    """The taxed amounts of the order's active lines, as ``Charge`` records:
    each product line, then each line's shipping, promotion and gift
    wrapping (the non-zero ones)."""
    charges = []
    active = [(index, line) for index, line in enumerate(order.lines) if line.active]
    for index, line in active:
        amount = (
            line.total if line.total is not None else line.unit_price * line.quantity
        )
        charges.append(
            Charge(
                kind="product",
                amount=amount,
                quantity=line.quantity,
                taxes=tuple(line.taxes),
                included=order.tax_included,
                line=line,
                index=index,
            )
        )
    for kind, charge, _sign in _CHARGES:
        for index, line in active:
            amount, taxes = charge(line)
            if amount:
                charges.append(
                    Charge(
                        kind=kind,
                        amount=amount,
                        quantity=1,
                        taxes=tuple(taxes),
                        included=order.tax_included,
                        line=line,
                        index=index,
                    )
                )
    return charges


def plan_sale_order(order, tax_of=stated_rate):
    """Return the ``SalePlan`` of a canonical order.

    Refused or cancelled lines are left out. ``tax_of(charge)`` gives the
    tax of each taxed amount (an ``mphub.taxes.Charge``): the connector
    passes its tax resolver, which returns the seller's tax checked against
    the marketplace's amount (or raises); by default it is the rate the
    marketplace states. Shipping, promotions (negative lines) and gift
    wrapping are summed per tax into one line each, in the order their tax
    first appears.
    """
    charges = order_charges(order)
    lines = []
    grouped = {}
    for charge in charges:
        key = tax_of(charge)
        if charge.kind == "product":
            line = charge.line
            lines.append(
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
                    tax_key=key,
                    charges=(charge,),
                )
            )
        else:
            grouped.setdefault((charge.kind, key), []).append(charge)
    for kind, _charge, sign in _CHARGES:
        groups = [(key, group) for (k, key), group in grouped.items() if k == kind]
        for key, group in _sorted_groups(groups):
            rates = {stated_rate(c) for c in group}
            lines.append(
                PlanLine(
                    kind=kind,
                    quantity=1,
                    price_unit=sign * sum((c.amount for c in group), Decimal(0)),
                    tax_rate=rates.pop() if len(rates) == 1 else None,
                    tax_included=order.tax_included,
                    tax_key=key,
                    charges=tuple(group),
                )
            )
    lines = tuple(lines)
    expected = sum((line.total for line in lines), Decimal(0))
    if not order.tax_included:
        signs = {"product": 1, **{kind: sign for kind, _c, sign in _CHARGES}}
        expected += sum(
            (
                signs[charge.kind] * (charge.tax_amount or Decimal(0))
                for charge in charges
            ),
            Decimal(0),
        )
    active = [ol for ol in order.lines if ol.active]
    commissions = [ol.commission for ol in active if ol.commission]
    commission = sum(commissions, Decimal(0)) if commissions else order.commission_total
    return SalePlan(lines=lines, expected_total=expected, commission=commission)


def _sorted_groups(groups):
    """Groups in ascending order of their key when keys compare (rates),
    else in the order they came."""
    try:
        return sorted(groups, key=lambda item: item[0])
    except TypeError:
        return groups


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
