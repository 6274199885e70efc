"""The offer policies of the core: quantities, prices, diffs."""

from decimal import Decimal

import pytest
from mphub.offers import StockPolicy, diff_offers, round_price, sellable_quantity


@pytest.mark.parametrize(
    ("free", "policy", "expected"),
    [
        (10, StockPolicy(), 10),
        (10.7, StockPolicy(), 10),  # fractions of a unit are not sold
        (-3, StockPolicy(), 0),
        (10, StockPolicy(buffer=2), 8),
        (2, StockPolicy(buffer=2), 0),
        (10, StockPolicy(percent=Decimal(50)), 5),
        (11, StockPolicy(percent=Decimal(50)), 5),  # rounded down
        (10, StockPolicy(buffer=2, percent=Decimal(50)), 4),  # buffer first
        (100, StockPolicy(maximum=20), 20),
        (3, StockPolicy(threshold=5), 0),
        (5, StockPolicy(threshold=5), 5),
        (40, StockPolicy(buffer=4, percent=Decimal(50), maximum=15, threshold=3), 15),
        (9, StockPolicy(buffer=4, percent=Decimal(50), maximum=15, threshold=3), 0),
    ],
)
def test_sellable_quantity_policy(free, policy, expected):
    assert sellable_quantity(free, policy) == expected


def test_sellable_quantity_overrides():
    policy = StockPolicy(buffer=5)
    assert sellable_quantity(100, policy, fixed=7) == 7
    assert sellable_quantity(0, policy, fixed=7) == 7
    assert sellable_quantity(100, policy, fixed=-2) == 0
    assert sellable_quantity(100, policy, excluded=True) == 0
    assert sellable_quantity(100, policy, fixed=7, excluded=True) == 0
    assert sellable_quantity(100, policy, fixed=7, sellable=False) == 0


@pytest.mark.parametrize(
    ("price", "rule", "floor", "expected"),
    [
        (19.904, "cent", None, "19.90"),
        (19.905, "cent", None, "19.91"),
        ("19.90", "none", None, "19.90"),
        (19.2, "x.99", None, "19.99"),
        (19.99, "x.99", None, "19.99"),
        (20.0, "x.99", None, "20.99"),
        (19.2, "x.90", None, "19.90"),
        (19.95, "x.90", None, "20.90"),
        (19.21, "x.x9", None, "19.29"),
        (19.29, "x.x9", None, "19.29"),
        (19.5, "integer", None, "20.00"),
        (19.49, "integer", None, "19.00"),
        (10.0, "cent", 12.5, "12.50"),
        (10.0, "x.99", "10.991", "11.00"),  # a floor is never rounded down
        (15.0, "cent", 12.5, "15.00"),
    ],
)
def test_round_price(price, rule, floor, expected):
    assert round_price(price, rule, floor=floor) == Decimal(expected)


def test_round_price_rejects_unknown_rule():
    with pytest.raises(ValueError, match="rounding"):
        round_price(10, "x.95")
    assert round_price(None, "cent") is None


def test_diff_pushes_only_changes():
    computed = {
        1: (5, Decimal("10.00")),
        2: (5, Decimal("10.00")),
        3: (0, None),  # price not exported
        4: (7, Decimal("9.99")),
    }
    last = {1: (5, 10.0), 2: (4, Decimal("10.00")), 3: (0, None)}
    stock, prices = diff_offers(computed, last)
    assert stock == {2: 5, 4: 7}
    assert prices == {4: Decimal("9.99")}


def test_diff_compares_prices_at_the_cent_and_force_sends_all():
    computed = {1: (5, Decimal("10.00")), 2: (None, Decimal("3.10"))}
    last = {1: (5, 10.0000001), 2: (None, 3.1)}
    assert diff_offers(computed, last) == ({}, {})
    stock, prices = diff_offers(computed, last, force=True)
    assert stock == {1: 5}
    assert prices == {1: Decimal("10.00"), 2: Decimal("3.10")}
