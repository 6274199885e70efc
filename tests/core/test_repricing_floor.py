"""The floor of an offer's costs: the parts, the rounding, the VAT."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mphub.repricing import Costs, floor_of
from mphub.repricing.model import FloorCache

ISSUE_COSTS = Costs(
    cost=D("12.00"),
    commission_rate=D("0.15"),
    fixed_fees=D("0.50"),
    margin_amount=D("2.33"),
)


def _parts(floor):
    return {part.code: part.amount for part in floor.parts}


def test_issue_example_floor_and_sentence():
    floor = floor_of(ISSUE_COSTS)
    assert floor.price == D("17.45")
    assert _parts(floor) == {
        "cost": D("12.00"),
        "commission": D("2.62"),
        "fees": D("0.50"),
        "margin": D("2.33"),
    }
    assert floor.explanation().render() == (
        "floor 17.45 = cost 12.00 + commission 15 % 2.62 + fees 0.50 + margin 2.33"
    )


def test_vat_is_a_part_of_the_tax_included_floor():
    costs = Costs(cost=D("10.00"), commission_rate=D("0.10"), vat_rate=D("0.20"))
    floor = floor_of(costs)
    # 10 / (1/1.2 - 0.10) = 13.636... -> 13.64
    assert floor.price == D("13.64")
    parts = _parts(floor)
    assert parts["vat"] == D("2.27")  # 13.64 - 13.64 / 1.2 = 2.2733
    assert parts["commission"] == D("1.36")
    assert parts["margin"] == D("0.01")  # what the cent rounding leaves
    assert sum(parts.values()) == floor.price
    assert "VAT 20 % 2.27" in floor.explanation().render()


def test_margin_rate_of_cost_and_larger_of_both():
    by_rate = floor_of(Costs(cost=D("20"), margin_rate=D("0.10")))
    assert by_rate.price == D("22.00")
    both = floor_of(Costs(cost=D("20"), margin_rate=D("0.10"), margin_amount=D("3")))
    assert both.price == D("23.00")


def test_payment_and_shipping_and_fixed_commission():
    costs = Costs(
        cost=D("5"),
        commission_fixed=D("0.30"),
        shipping_cost=D("2.50"),
        payment_rate=D("0.02"),
        payment_fixed=D("0.25"),
    )
    floor = floor_of(costs)
    parts = _parts(floor)
    assert parts["shipping"] == D("2.50")
    assert parts["commission"] == D("0.30")
    assert parts["payment"] == (floor.price * D("0.02") + D("0.25")).quantize(D("0.01"))
    assert sum(parts.values()) == floor.price
    assert parts["margin"] >= 0


def test_commission_function_with_minimum_fee():
    # an Amazon-like referral fee: 15 % with a minimum of 0.30
    def fee(price):
        return max(D("0.30"), price * D("0.15"))

    floor = floor_of(Costs(cost=D("1.00"), commission_fn=fee))
    parts = _parts(floor)
    assert floor.price == D("1.30")
    assert parts["commission"] == D("0.30")
    floor = floor_of(Costs(cost=D("17.00"), commission_fn=fee))
    assert floor.price == D("20.00")  # 17 / 0.85
    assert "commission 3.00" in floor.explanation().render()


def test_rates_taking_everything_raise():
    with pytest.raises(ValueError):
        floor_of(Costs(cost=D("1"), commission_rate=D("0.9"), vat_rate=D("0.2")))


money = st.decimals(min_value=D("0"), max_value=D("500"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.3"), places=3)


@given(money, rates, money, money, money, rates, money, st.sampled_from(
    [D("0"), D("0.055"), D("0.10"), D("0.20")]
))  # fmt: skip
def test_parts_add_up_and_cover_the_minimum_margin(
    cost, rate, fees, shipping, margin, payment_rate, fixed, vat
):
    costs = Costs(
        cost=cost,
        commission_rate=rate,
        commission_fixed=fixed,
        fixed_fees=fees,
        shipping_cost=shipping,
        payment_rate=payment_rate,
        margin_amount=margin,
        vat_rate=vat,
    )
    floor = floor_of(costs)
    assert sum(part.amount for part in floor.parts) == floor.price
    assert floor.price == floor.price.quantize(D("0.01"))
    assert _parts(floor)["margin"] >= margin
    # the exact solution, rounded up: never more than a few cents above it
    kept = 1 / (1 + vat) - rate - payment_rate
    exact = (cost + fees + shipping + margin + fixed) / kept
    assert exact <= floor.price
    assert floor.price <= exact + D("0.05")


def _fee(price):
    return max(D("0.30"), price * D("0.12"))


written = st.sampled_from(["0", "0.0", "0.00", "0.500", "1", "1.5", "2.50"])


@given(
    money, rates, money, written, rates, st.sampled_from([D("0"), D("0.20")]),
    st.sampled_from([None, _fee]), st.booleans(),
)  # fmt: skip
def test_cached_floors_are_the_floors(
    cost, rate, margin, fees, payment_rate, vat, fee, hopeless
):
    costs = Costs(
        cost=cost,
        commission_rate=D("0.9") if hopeless else rate,
        commission_fn=fee,
        fixed_fees=D(fees),
        payment_rate=payment_rate,
        margin_amount=margin,
        vat_rate=vat,
    )
    twin = Costs(**{**costs.__dict__, "cost": D(str(cost))})  # equal, not the same
    same_value = Costs(**{**costs.__dict__, "fixed_fees": D(fees) + D("0.000")})
    cache = FloorCache()
    for _round in range(2):  # solved, then remembered
        for item in (costs, twin, same_value):
            try:
                expected = floor_of(item)
            except ValueError as err:
                with pytest.raises(ValueError, match=str(err)):
                    cache.floor_of(item)
                continue
            floor = cache.floor_of(item)
            assert floor == expected and repr(floor) == repr(expected)
            assert floor.explanation().render() == expected.explanation().render()
    # costs written alike share one floor; "0.5" and "0.500" do not
    assert len(cache) == 1 + (str(D(fees) + D("0.000")) != fees)


def test_unhashable_commission_function_is_solved_every_time():
    class Fee:
        __hash__ = None

        def __call__(self, price):
            return price * D("0.10")

    costs = Costs(cost=D("10"), commission_fn=Fee())
    cache = FloorCache()
    assert cache.floor_of(costs) == floor_of(costs)
    assert len(cache) == 0
