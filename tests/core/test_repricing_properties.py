"""Properties of the engine over drawn rules and offers: within the floor
and the ceiling, within the guards, deterministic; the price-war guard."""

from datetime import datetime, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st
from mphub.pricing import CompetitorOffer
from mphub.repricing import (
    Conditions,
    Costs,
    Fallbacks,
    Filters,
    Guards,
    OfferInput,
    Rule,
    Strategy,
    decide,
    floor_of,
    run,
)
from mphub.repricing.model import STRATEGIES

NOW = datetime(2025, 3, 12, 10, 0)
money = st.decimals(min_value=D("0.01"), max_value=D("300"), places=2)
percents = st.decimals(min_value=D("0.1"), max_value=D("30"), places=1)
competitor = st.builds(
    CompetitorOffer,
    seller=st.sampled_from(["a", "b", "c", "me"]),
    price=money,
    shipping=st.sampled_from([D("0"), D("2.99"), D("0.01")]),
    condition=st.sampled_from(["11", "1", None]),
    seller_type=st.just("professional"),
    rating=st.none() | st.decimals(min_value=D("1"), max_value=D("5"), places=1),
    rating_count=st.none() | st.integers(0, 1000),
    fulfilment=st.sampled_from(["merchant", "marketplace", None]),
    featured=st.booleans(),
    own=st.booleans(),
)
rules = st.builds(
    Rule,
    id=st.just(1),
    name=st.just("r"),
    strategy=st.builds(
        Strategy,
        kind=st.sampled_from(STRATEGIES),
        amount=st.none() | st.decimals(min_value=D("0"), max_value=D("5"), places=2),
        percent=st.none() | percents,
        rank=st.integers(1, 4),
        compare=st.sampled_from(["landed", "price"]),
    ),
    filters=st.builds(
        Filters,
        fulfilments=st.sampled_from([None, ("merchant",), ("marketplace",)]),
        min_rating=st.none() | st.just(D("4")),
        own_sellers=st.sampled_from([(), ("me",)]),
    ),
    fallbacks=st.builds(
        Fallbacks,
        no_competitor=st.sampled_from(["ceiling", "hold", "floor"]),
        all_below_floor=st.sampled_from(["floor", "hold", "ceiling"]),
        already_best=st.sampled_from(["hold", "raise_to_next"]),
    ),
    guards=st.builds(
        Guards,
        max_change_run_amount=st.none() | money,
        max_change_run_percent=st.none() | percents,
        max_change_day_percent=st.none() | percents,
        min_interval=st.none() | st.just(timedelta(hours=2)),
    ),
    conditions=st.builds(
        Conditions,
        low_stock=st.none() | st.integers(0, 5),
        low_stock_raise_percent=percents,
        sleeping_days=st.none() | st.integers(1, 30),
        sleeping_drop_percent=percents,
    ),
    simulation=st.booleans(),
)
costs = st.builds(
    Costs,
    cost=money,
    commission_rate=st.decimals(min_value=D("0"), max_value=D("0.2"), places=2),
    fixed_fees=st.decimals(min_value=D("0"), max_value=D("2"), places=2),
    margin_amount=st.decimals(min_value=D("0"), max_value=D("10"), places=2),
    vat_rate=st.sampled_from([D("0"), D("0.20")]),
)


@st.composite
def offers(draw):
    """An offer whose price starts within its floor and ceiling."""
    offer_costs = draw(costs)
    floor = floor_of(offer_costs).price
    ceiling = floor + draw(st.decimals(min_value=D("0"), max_value=D("200"), places=2))
    current = draw(st.decimals(min_value=floor, max_value=ceiling, places=2))
    day_start = draw(
        st.none() | st.decimals(min_value=floor, max_value=ceiling, places=2)
    )
    return OfferInput(
        key=draw(st.integers(0, 10)),
        current_price=current,
        competitors=tuple(draw(st.lists(competitor, max_size=6))),
        costs=offer_costs,
        ceiling=ceiling,
        stock=draw(st.none() | st.integers(0, 10)),
        last_sale_at=draw(st.none() | st.just(NOW - timedelta(days=40))),
        last_change_at=draw(st.none() | st.just(NOW - timedelta(hours=1))),
        day_start_price=day_start if day_start is not None else current,
        own_shipping=draw(st.sampled_from([D("0"), D("1.50")])),
    )


@settings(max_examples=300)
@given(rules, offers())
def test_never_below_floor_above_ceiling_or_beyond_guards(rule, offer):
    decision = decide(rule, offer, NOW)
    floor = floor_of(offer.costs).price
    new, old = decision.new_price, offer.current_price
    assert floor <= new <= offer.ceiling
    assert new == new.quantize(D("0.01"))
    guards = rule.guards
    if guards.max_change_run_amount is not None:
        assert abs(new - old) <= guards.max_change_run_amount
    if guards.max_change_run_percent is not None:
        assert abs(new - old) <= old * guards.max_change_run_percent / 100
    if guards.max_change_day_percent is not None:
        base = offer.day_start_price
        within = abs(new - base) <= base * guards.max_change_day_percent / 100
        assert within or abs(new - base) <= abs(old - base)
    if decision.state in ("unchanged", "blocked", "frozen"):
        assert new == old
    else:
        assert new != old
        assert decision.state == ("simulated" if rule.simulation else "applied")
    assert decision.explanation.render()


@given(rules, offers())
def test_same_inputs_same_decision(rule, offer):
    assert decide(rule, offer, NOW) == decide(rule, offer, NOW)


@given(rules, st.lists(offers(), max_size=8))
def test_run_decides_each_offer_as_decide_does_unless_war(rule, items):
    result = run(rule, items, NOW)
    assert len(result.decisions) == len(items)
    for decision, offer in zip(result.decisions, items, strict=True):
        alone = decide(rule, offer, NOW)
        if decision.reason == "price_war":
            assert result.war_blocked
            assert decision.new_price == offer.current_price
            assert alone.new_price < offer.current_price * D("0.9")
        else:
            assert decision == alone


def _war_offer(key, competitor_price):
    return OfferInput(
        key,
        D("100.00"),
        (CompetitorOffer("x", D(competitor_price), D("0"), "11", "professional"),),
        Costs(cost=D("10")),
        ceiling=D("200"),
    )


def test_price_war_blocks_every_sharp_drop_beyond_the_share():
    rule = Rule(1, "war", Strategy("match_lowest"))
    items = [_war_offer(1, "50"), _war_offer(2, "60"), _war_offer(3, "99")]
    items += [_war_offer(4, "95"), _war_offer(5, "150")]
    result = run(rule, items, NOW)  # 2 sharp drops out of 5 > 30 %
    assert result.war_blocked
    states = [(d.key, d.state, d.reason, d.new_price) for d in result.decisions]
    assert states[:2] == [
        (1, "blocked", "price_war", D("100.00")),
        (2, "blocked", "price_war", D("100.00")),
    ]
    assert states[2] == (3, "applied", "match_lowest", D("99"))
    assert result.decisions[0].explanation.render() == (
        "blocked, a sharp drop on too many offers of the rule (price war or bad "
        "data): match the lowest offer 50.00; floor 10.00 = cost 10.00 + margin 0.00"
    )
    assert result.stats["sharp_drops"] == 2


def test_a_few_sharp_drops_are_no_war():
    rule = Rule(1, "calm", Strategy("match_lowest"))
    items = [_war_offer(1, "50")] + [_war_offer(k, "99") for k in range(2, 5)]
    result = run(rule, items, NOW)  # 1 out of 4 = 25 %
    assert not result.war_blocked
    assert result.decisions[0].new_price == D("50")
