"""VAT of order lines: chosen from what the seller's books know, checked
against the marketplace's amounts.

A marketplace gives, for each taxed amount of an order (a line's price, its
shipping, a promotion, gift wrapping), the tax it charged and sometimes a
rate or a tax code. The rate is never derived from the amount alone: on low
prices several rates round to the same cents (5 % and 5.5 % of 1.00 are both
0.05), so a derived rate can be one that exists nowhere or the wrong one.
Instead the connector proposes candidate taxes, in order of trust (the
product's own taxes through the fiscal position, the marketplace's explicit
rate or tax code, then the destination country's taxes), and the first one
*consistent* with the marketplace's amount wins. An amount of zero on a free
line is consistent with any rate; a charge whose tax amount the marketplace
does not give is consistent with any candidate.
"""

from dataclasses import dataclass
from decimal import Decimal

HALF_CENT = Decimal("0.005")
RATE_PRECISION = Decimal("0.001")


@dataclass(frozen=True)
class Charge:
    """One taxed amount of an order line, as the marketplace gives it.

    ``amount`` is tax included or not per ``included``; ``quantity`` is the
    number of units it covers (the marketplace may round the tax per unit);
    ``taxes`` are the canonical ``Tax`` records the marketplace gave for it,
    empty when it gave none.
    """

    kind: str  # "product", "shipping", "discount" or "gift_wrap"
    amount: Decimal
    quantity: int
    taxes: tuple
    included: bool
    line: object = None  # the canonical OrderLine
    index: int = 0  # position of the line in the order

    @property
    def tax_amount(self):
        """The tax the marketplace charged, None when it did not say."""
        if not self.taxes:
            return None
        return sum((tax.amount for tax in self.taxes), Decimal(0))

    @property
    def rate(self):
        """The rate the marketplace states (sum of its taxes' rates), None
        when any of its taxes comes without a rate."""
        if not self.taxes or any(tax.rate is None for tax in self.taxes):
            return None
        return sum((tax.rate for tax in self.taxes), Decimal(0))

    @property
    def codes(self):
        return tuple(tax.code for tax in self.taxes if tax.code)


@dataclass(frozen=True)
class Candidate:
    """A tax (or set of taxes) the books propose for a charge."""

    rate: Decimal  # percent, the sum of the set's rates
    key: object  # what the caller wants back (tax ids, say)
    origin: str  # where it comes from, for the explanation


def tax_on(amount, rate, included):
    """The exact (unrounded) tax of ``rate`` percent on ``amount``."""
    rate = Decimal(rate)
    if included:
        return amount * rate / (100 + rate)
    return amount * rate / 100


def tolerance(quantity):
    """How far a marketplace's rounded tax may be from the exact one.

    Half a cent for the rounding of the line, half a cent per unit when the
    marketplace rounds each unit's tax before multiplying, and half a cent
    for the difference between rounding half up and half even.
    """
    return HALF_CENT * (max(int(quantity or 1), 1) + 1)


def is_consistent(charge, rate):
    """Whether the marketplace's tax on ``charge`` can be ``rate`` percent."""
    if charge.tax_amount is None:
        return True
    stated = charge.rate
    if stated is not None and abs(stated - Decimal(rate)) > RATE_PRECISION:
        return False
    exact = tax_on(charge.amount, rate, charge.included)
    return abs(charge.tax_amount - exact) <= tolerance(charge.quantity)


def choose(charge, candidates):
    """The first candidate consistent with the charge, else None.

    ``candidates`` is an iterable of ``Candidate`` in order of trust.
    """
    for candidate in candidates:
        if is_consistent(charge, candidate.rate):
            return candidate
    return None
