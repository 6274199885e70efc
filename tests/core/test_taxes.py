"""The VAT check: a candidate tax agrees with the marketplace's amount or
not; rates are never derived from amounts."""

from decimal import Decimal

import pytest
from mphub.canonical import Tax
from mphub.mirakl.mapping import map_order
from mphub.orders import plan_sale_order
from mphub.taxes import Candidate, Charge, choose, is_consistent

from .mirakl_samples import order

D = Decimal


def charge(amount, tax, quantity=1, rate=None, included=True):
    taxes = () if tax is None else (Tax(rate=rate, amount=D(tax)),)
    return Charge("product", D(amount), quantity, taxes, included)


def candidates(*rates):
    return [Candidate(rate=D(r), key=r, origin=f"{r}%") for r in rates]


@pytest.mark.parametrize(
    ("amount", "tax", "right", "wrong"),
    [
        # low prices where a "first rate within a cent" guess went wrong
        ("1.00", "0.05", "5.5", "5"),
        ("0.50", "0.08", "19", "20"),
        ("0.60", "0.09", "18", "20"),
        ("1.07", "0.07", "7", "6"),
    ],
)
def test_the_books_decide_when_several_rates_round_alike(amount, tax, right, wrong):
    c = charge(amount, tax)
    assert is_consistent(c, D(right)) and is_consistent(c, D(wrong))
    # the product's tax comes first and wins, whichever it is
    assert choose(c, candidates(right, wrong)).key == right
    assert choose(c, candidates(wrong, right)).key == wrong


def test_an_amount_rules_out_the_products_rate_when_it_can():
    c = charge("10.55", "0.55")  # 5.5 %, not 20 % (1.76), nor 5 % (0.50)
    assert choose(c, candidates("20", "5", "5.5")).key == "5.5"
    assert choose(c, candidates("20", "10")) is None


def test_free_lines_and_unknown_amounts_agree_with_any_rate():
    assert choose(charge("0", "0"), candidates("20")).key == "20"
    assert choose(charge("12.00", None), candidates("5.5", "20")).key == "5.5"


def test_a_stated_rate_must_be_the_candidates():
    c = charge("0.50", "0.08", rate=D("20"))
    assert choose(c, candidates("19", "20")).key == "20"


def test_per_unit_rounding_is_tolerated_with_the_quantity():
    # 7 units at 0.99 incl. 5.5 %: 0.05 each (0.35), the line's exact tax 0.361
    assert is_consistent(charge("6.93", "0.35", quantity=7), D("5.5"))
    assert not is_consistent(charge("6.93", "0.35", quantity=1), D("20"))


def test_tax_excluded_amounts():
    assert is_consistent(charge("10.00", "2.00", included=False), D("20"))
    assert not is_consistent(charge("10.00", "2.00", included=False), D("10"))


def test_the_plan_groups_charges_per_chosen_tax():
    payload = order()
    for line in payload["order_lines"]:
        for tax in line["taxes"] + line["shipping_taxes"]:
            tax.pop("rate", None)
    plan = plan_sale_order(map_order(payload), tax_of=lambda c: (c.kind, 7))
    assert {line.tax_key for line in plan.lines} == {("product", 7), ("shipping", 7)}
    assert len(plan.shipping_lines) == 1
