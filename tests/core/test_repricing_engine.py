"""The engine's decisions, example by example: strategies, filters,
fallbacks, conditions, windows, guards and their sentences."""

from datetime import datetime, time, timedelta
from decimal import Decimal as D

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
)

NOW = datetime(2025, 3, 12, 10, 0)  # a Wednesday
COSTS = Costs(
    cost=D("12.00"),
    commission_rate=D("0.15"),
    fixed_fees=D("0.50"),
    margin_amount=D("2.33"),
)  # floor 17.45
FLOOR_TEXT = "floor 17.45 = cost 12.00 + commission 15 % 2.62 + fees 0.50 + margin 2.33"


def offer(seller, price, shipping="0", **values):
    values.setdefault("fulfilment", "merchant")
    values.setdefault("condition", "11")
    return CompetitorOffer(
        seller=seller,
        price=D(price),
        shipping=D(shipping),
        seller_type="professional",
        **values,
    )


def item(competitors, price="21.00", **values):
    values.setdefault("ceiling", D("30.00"))
    return OfferInput("SKU-1", D(price), tuple(competitors), COSTS, **values)


def rule(kind="beat_lowest", **values):
    strategy = values.pop("strategy", None) or Strategy(
        kind,
        amount=values.pop("amount", D("0.10")),
        percent=values.pop("percent", None),
        rank=values.pop("rank", 1),
        compare=values.pop("compare", "landed"),
    )
    return Rule(id=7, name="test", strategy=strategy, **values)


def test_issue_example_sentence_exactly():
    competitors = [offer("a", "19.90"), offer("b", "18.50", fulfilment="marketplace")]
    decision = decide(
        rule(filters=Filters(fulfilments=("merchant",))), item(competitors), NOW
    )
    assert (decision.state, decision.reason) == ("applied", "beat_lowest")
    assert decision.new_price == D("19.80")
    assert decision.target.seller == "a"
    assert decision.explanation.render() == (
        "beat the lowest seller-fulfilled offer 19.90 by 0.10; " + FLOOR_TEXT
    )


def test_landed_compare_counts_shipping_on_both_sides():
    competitors = [offer("a", "18.00", "2.99"), offer("b", "20.00")]
    decision = decide(rule(), item(competitors, own_shipping=D("1.00")), NOW)
    # lowest landed is b (20.00 < 20.99): 19.90 landed, 18.90 price
    assert decision.target.seller == "b"
    assert decision.new_price == D("18.90")
    by_price = decide(rule(compare="price"), item(competitors), NOW)
    assert by_price.target.seller == "a"
    assert by_price.new_price == D("17.90")


def test_beat_by_percent_rounds_down():
    decision = decide(
        rule(amount=None, percent=D("1")), item([offer("a", "19.99")]), NOW
    )
    assert decision.new_price == D("19.79")  # 19.7901 rounded down


def test_beat_by_step_when_no_amount():
    decision = decide(rule(amount=None), item([offer("a", "19.99")]), NOW)
    assert decision.new_price == D("19.98")


def test_match_lowest():
    decision = decide(rule("match_lowest"), item([offer("a", "19.99")]), NOW)
    assert decision.new_price == D("19.99")
    assert decision.explanation.render().startswith("match the lowest offer 19.99;")


def test_buy_box_targets_the_featured_offer():
    competitors = [offer("a", "18.00"), offer("b", "19.00", featured=True)]
    decision = decide(rule("buy_box"), item(competitors), NOW)
    assert decision.target.seller == "b"
    assert decision.new_price == D("18.90")


def test_buy_box_own_featured_is_already_best():
    competitors = [offer("me", "21.00", featured=True, own=True), offer("a", "22")]
    hold = decide(rule("buy_box"), item(competitors), NOW)
    assert (hold.reason, hold.new_price, hold.state) == (
        "already_best", D("21.00"), "unchanged",
    )  # fmt: skip
    raise_rule = rule("buy_box", fallbacks=Fallbacks(already_best="raise_to_next"))
    raised = decide(raise_rule, item(competitors), NOW)
    assert (raised.reason, raised.new_price) == ("raise_to_next", D("21.90"))


def test_rank_holds_the_nth_place_or_the_ceiling():
    competitors = [offer("a", "18.00"), offer("b", "19.00"), offer("c", "25.00")]
    decision = decide(rule("rank", rank=2), item(competitors), NOW)
    assert decision.target.seller == "b"
    assert decision.new_price == D("18.90")
    alone = decide(rule("rank", rank=4), item(competitors), NOW)
    assert (alone.reason, alone.new_price) == ("rank_open", D("30.00"))


def test_ceiling_strategy():
    decision = decide(rule("ceiling"), item([offer("a", "18")]), NOW)
    assert (decision.new_price, decision.reason) == (D("30.00"), "ceiling")


def test_filters_each_leave_out_their_offers():
    competitors = [
        offer("own", "15.00", own=True),
        offer("other-account", "15.10"),
        offer("fba", "15.20", fulfilment="marketplace"),
        offer("used", "15.30", condition="2"),
        offer("bad", "15.40", rating=D("3.1"), rating_count=900),
        offer("new-seller", "15.50", rating=D("4.9"), rating_count=3),
        offer("banned", "15.60", rating=D("5"), rating_count=100),
        offer("good", "19.90", rating=D("4.8"), rating_count=400),
    ]
    filters = Filters(
        fulfilments=("merchant",),
        conditions=("11",),
        min_rating=D("4"),
        min_rating_count=10,
        exclude_sellers=("banned",),
        own_sellers=("other-account",),
    )
    decision = decide(rule(filters=filters), item(competitors), NOW)
    assert decision.target.seller == "good"
    only = Filters(include_sellers=("used",))
    assert decide(rule(filters=only), item(competitors), NOW).target.seller == "used"
    with_own = Filters(ignore_own=False)
    assert decide(rule(filters=with_own), item(competitors), NOW).reason == "floor"


def test_no_competitor_fallbacks():
    for choice, price in (("ceiling", "30.00"), ("hold", "21.00"), ("floor", "17.45")):
        decision = decide(
            rule(fallbacks=Fallbacks(no_competitor=choice)), item([]), NOW
        )
        assert (decision.reason, decision.new_price) == ("no_competitor", D(price))
    sentence = decide(rule(), item([]), NOW).explanation.render()
    assert sentence.startswith("no competing offer: ceiling 30.00; floor 17.45")


def test_all_below_floor_fallbacks():
    competitors = [offer("a", "15.00"), offer("b", "16.00")]
    for choice, price in (("floor", "17.45"), ("hold", "21.00"), ("ceiling", "30.00")):
        fallbacks = Fallbacks(all_below_floor=choice)
        decision = decide(rule(fallbacks=fallbacks), item(competitors), NOW)
        assert (decision.reason, decision.new_price) == ("all_below_floor", D(price))


def test_lowest_below_floor_but_not_all_holds_the_floor():
    competitors = [offer("a", "15.00"), offer("b", "25.00")]
    decision = decide(rule(), item(competitors), NOW)
    assert (decision.reason, decision.new_price) == ("floor", D("17.45"))
    assert decision.explanation.render().startswith(
        "beat the lowest offer 15.00 by 0.10, held at the floor; floor 17.45"
    )


def test_already_best_hold_or_raise_to_next():
    competitors = [offer("a", "25.00")]
    hold = decide(rule(), item(competitors, price="20.00"), NOW)
    assert (hold.reason, hold.new_price) == ("already_best", D("20.00"))
    fallbacks = Fallbacks(already_best="raise_to_next")
    raised = decide(rule(fallbacks=fallbacks), item(competitors, price="20"), NOW)
    assert (raised.reason, raised.new_price) == ("raise_to_next", D("24.90"))
    capped = decide(
        rule(fallbacks=fallbacks), item(competitors, price="20", ceiling=D("23")), NOW
    )
    assert (capped.reason, capped.new_price) == ("ceiling", D("23"))


def test_low_stock_raises_and_sleeping_lowers():
    conditions = Conditions(low_stock=2, low_stock_raise_percent=D("5"))
    low = decide(rule(conditions=conditions), item([offer("a", "20.10")], stock=2), NOW)
    assert low.new_price == D("21.00")  # 20.00 * 1.05
    assert "raised 5 % for low stock (2)" in low.explanation.render()
    enough = decide(
        rule(conditions=conditions), item([offer("a", "20.10")], stock=3), NOW
    )
    assert enough.new_price == D("20.00")
    sleeping = Conditions(sleeping_days=30, sleeping_drop_percent=D("3"))
    asleep = item([offer("a", "20.10")], last_sale_at=NOW - timedelta(days=30))
    decision = decide(rule(conditions=sleeping), asleep, NOW)
    assert decision.new_price == D("19.40")  # 20.00 * 0.97
    awake = item([offer("a", "20.10")], last_sale_at=NOW - timedelta(days=29))
    assert decide(rule(conditions=sleeping), awake, NOW).new_price == D("20.00")


def test_windows():
    weekdays = frozenset(range(5))
    conditions = Conditions(windows=((weekdays, time(8), time(20)),))
    inside = decide(rule(conditions=conditions), item([offer("a", "20")]), NOW)
    assert inside.state == "applied"
    sunday = datetime(2025, 3, 16, 10, 0)
    outside = decide(rule(conditions=conditions), item([offer("a", "20")]), sunday)
    assert (outside.state, outside.reason) == ("unchanged", "outside_window")
    assert outside.new_price == D("21.00")
    late = decide(
        rule(conditions=conditions), item([offer("a", "20")]), NOW.replace(hour=20)
    )
    assert late.reason == "outside_window"


def test_guard_per_run_caps_the_move():
    guards = Guards(max_change_run_amount=D("0.50"))
    decision = decide(rule(guards=guards), item([offer("a", "19.90")]), NOW)
    assert (decision.state, decision.reason) == ("applied", "guard_run")
    assert decision.new_price == D("20.50")
    assert decision.explanation.render() == (
        "beat the lowest offer 19.90 by 0.10; capped to 20.50 by the per-run limit; "
        + FLOOR_TEXT
    )
    percent = decide(
        rule(guards=Guards(max_change_run_percent=D("3"))),
        item([offer("a", "19")]),
        NOW,
    )
    assert percent.new_price == D("20.37")  # 21.00 - 0.63


def test_guard_per_day_against_the_day_start():
    guards = Guards(max_change_day_percent=D("5"))
    competitors = [offer("a", "19.00")]
    decision = decide(
        rule(guards=guards), item(competitors, day_start_price=D("20.00")), NOW
    )
    assert (decision.reason, decision.new_price) == ("guard_day", D("19.00"))
    again = decide(
        rule(guards=guards),
        item(competitors, price="19.00", day_start_price=D("20.00")),
        NOW,
    )
    assert again.new_price == D("19.00")
    assert again.state == "unchanged"


def test_guard_min_interval_blocks():
    guards = Guards(min_interval=timedelta(hours=1))
    recent = item([offer("a", "19.90")], last_change_at=NOW - timedelta(minutes=30))
    decision = decide(rule(guards=guards), recent, NOW)
    assert (decision.state, decision.reason) == ("blocked", "guard_interval")
    assert decision.new_price == D("21.00")
    assert "less than 60 min ago" in decision.explanation.render()
    old = item([offer("a", "19.90")], last_change_at=NOW - timedelta(hours=1))
    assert decide(rule(guards=guards), old, NOW).state == "applied"


def test_floor_beats_the_guards():
    guards = Guards(max_change_run_amount=D("0.10"), min_interval=timedelta(days=1))
    below = item([offer("a", "15")], price="16.00", last_change_at=NOW)
    decision = decide(rule(guards=guards), below, NOW)
    assert (decision.state, decision.new_price) == ("applied", D("17.45"))


def test_frozen_simulated_and_floor_above_ceiling():
    competitors = [offer("a", "19.90")]
    frozen = decide(rule(), item(competitors, frozen=True), NOW)
    assert (frozen.state, frozen.new_price) == ("frozen", D("21.00"))
    simulated = decide(rule(simulation=True), item(competitors), NOW)
    assert (simulated.state, simulated.new_price) == ("simulated", D("19.80"))
    blocked = decide(rule(), item(competitors, ceiling=D("17.00")), NOW)
    assert (blocked.state, blocked.reason) == ("blocked", "floor_above_ceiling")
    assert blocked.new_price == D("21.00")
    assert blocked.explanation.render() == (
        "the floor 17.45 is above the ceiling 17.00: price unchanged"
    )


def test_no_ceiling_means_no_upper_bound():
    competitors = [offer("a", "99.00")]
    decision = decide(rule(), item(competitors, price="120", ceiling=None), NOW)
    assert decision.new_price == D("98.90")
    alone = decide(rule(), item([], ceiling=None), NOW)
    assert (alone.reason, alone.new_price) == ("no_competitor", D("21.00"))


def test_translated_templates_render():
    decision = decide(rule(), item([offer("a", "19.90")]), NOW)
    from mphub.repricing import TEMPLATES

    french = dict(
        TEMPLATES, beat_lowest="battre l'offre %(which)s %(target)s de %(by)s"
    )
    assert decision.explanation.render(french).startswith("battre l'offre offer 19.90")
