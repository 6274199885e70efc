"""A rule replayed over a history of snapshots."""

from datetime import datetime, timedelta
from decimal import Decimal as D

from mphub.pricing import CompetitorOffer
from mphub.repricing import Costs, Guards, OfferInput, Rule, Strategy
from mphub.repricing.replay import replay

START = datetime(2025, 3, 12, 8, 0)


def snapshot(price, competitor):
    competitors = (CompetitorOffer("a", D(competitor), D("0"), "11", "professional"),)
    return OfferInput("K", D(price), competitors, Costs(cost=D("10")), D("40"))


def test_the_simulated_price_carries_over_and_guards_see_it():
    rule = Rule(
        1,
        "replay",
        Strategy("beat_lowest", amount=D("0.10")),
        guards=Guards(max_change_run_amount=D("1.00"), min_interval=timedelta(hours=2)),
    )
    # the real price never moved (20.00): the replay starts from it
    history = [
        (START, [snapshot("20.00", "17.00")]),
        (START + timedelta(hours=1), [snapshot("20.00", "17.00")]),
        (START + timedelta(hours=2), [snapshot("20.00", "17.00")]),
        (START + timedelta(hours=4), [snapshot("20.00", "25.00")]),
    ]
    decisions = replay(rule, history)
    steps = [(d.state, d.reason, d.old_price, d.new_price) for d in decisions]
    assert steps == [
        ("simulated", "guard_run", D("20.00"), D("19.00")),
        ("blocked", "guard_interval", D("19.00"), D("19.00")),
        ("simulated", "guard_run", D("19.00"), D("18.00")),
        ("unchanged", "already_best", D("18.00"), D("18.00")),
    ]


def test_a_new_offer_starts_from_its_snapshot_price():
    rule = Rule(1, "r", Strategy("match_lowest"))
    history = [
        (START, [snapshot("20.00", "19.00")]),
        (START + timedelta(hours=1), [snapshot("20.00", "19.50")]),
    ]
    decisions = replay(rule, history)
    assert [d.new_price for d in decisions] == [D("19.00"), D("19.00")]
    assert decisions[1].reason == "already_best"
    assert all(d.state != "applied" for d in decisions)
