"""A rule replayed over stored history: the decisions it would have taken.

``history`` is a time-ordered list of ``(moment, offers)`` pairs, ``offers``
the ``OfferInput`` values of the snapshot taken at that moment. The rule is
run in simulation at each moment; the price it would have set for an offer
(by key) replaces the snapshot's current price at the next moments, with the
moment of the last simulated change and the first price of each day, so the
guards see the replayed history and not the real one.
"""

from dataclasses import replace

from .engine import run

MOVED = ("simulated", "applied")


def replay(rule, history):
    """The decisions of ``rule`` over ``history``, in order, as a list."""
    rule = replace(rule, simulation=True)
    prices = {}  # key -> the replayed price
    changed_at = {}  # key -> the moment of the last replayed change
    day_start = {}  # (key, date) -> the replayed price at the day's start
    decisions = []
    for moment, offers in history:
        inputs = [
            _carried(offer, moment, prices, changed_at, day_start) for offer in offers
        ]
        for decision in run(rule, inputs, moment).decisions:
            decisions.append(decision)
            prices[decision.key] = decision.new_price
            if decision.state in MOVED:
                changed_at[decision.key] = moment
    return decisions


def _carried(offer, moment, prices, changed_at, day_start):
    key = offer.key
    if key not in prices:
        day_start.setdefault((key, moment.date()), offer.current_price)
        return offer
    price = prices[key]
    start = day_start.setdefault((key, moment.date()), price)
    return replace(
        offer,
        current_price=price,
        last_change_at=changed_at.get(key, offer.last_change_at),
        day_start_price=start,
    )
