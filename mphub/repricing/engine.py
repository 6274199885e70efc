"""The repricing engine: a rule and an offer's inputs -> a decision.

``decide`` is pure and deterministic. The order of the steps:

1. a frozen offer stays as it is ("frozen"); outside the rule's time
   windows nothing moves ("unchanged", "outside_window"); a floor above the
   ceiling blocks ("floor_above_ceiling");
2. the competitors' offers pass the rule's filters (own offers and the
   seller's other accounts left out unless asked), then the strategy gives a
   target price (compared on the landed price, price + shipping, unless the
   strategy compares prices only), or a fallback does (no competitor, every
   competitor below the floor, own offer already the best);
3. the stock and velocity conditions raise or lower it;
4. the floor and the ceiling bound it;
5. the guards cap the move (per run, per day: the price is capped, the
   decision applied with the guard's reason) or block it (minimum interval).
   The floor and the ceiling beat the guards: a price out of them is brought
   back whatever the guards say.

Rounding: prices are to the cent. A percent move rounds down when it drops
the price (beat by 5 %) and up when it raises it (low stock); a guard's
limit rounds towards the current price, so a capped move never exceeds it.

``run`` decides every offer of a rule and adds the rule-level price-war
guard: when more than ``war_share`` of the offers would drop by more than
``war_drop_percent``, each of those drops is blocked ("price_war").
"""

import gc
from datetime import timedelta
from decimal import Decimal
from operator import itemgetter

from .model import (
    ZERO,
    Decision,
    Explanation,
    RunResult,
    cents_down,
    cents_up,
    floor_of,
    percent_text,
)

HUNDRED = Decimal(100)
_first = itemgetter(0)  # the compared value of a (value, offer) pair
WHICH = {
    None: Explanation("offer_any"),
    ("merchant",): Explanation("offer_merchant"),
    ("marketplace",): Explanation("offer_marketplace"),
}


class CompiledRule:
    """A rule's parts prepared once for every offer of a run."""

    __slots__ = ("rule", "accept", "landed", "which", "windows", "beat_text")

    def __init__(self, rule):
        self.rule = rule
        self.accept = _predicate(rule.filters)
        self.landed = rule.strategy.compare == "landed"
        fulfilments = rule.filters.fulfilments
        key = tuple(sorted(set(fulfilments))) if fulfilments else None
        self.which = WHICH.get(key, WHICH[None])
        self.windows = tuple(rule.conditions.windows or ())
        strategy = rule.strategy
        if strategy.amount is not None:
            self.beat_text = strategy.amount
        elif strategy.percent is not None:
            self.beat_text = f"{percent_text(strategy.percent / HUNDRED)} %"
        else:
            self.beat_text = rule.step

    def beat(self, value):
        """``value`` beaten by the strategy's amount or percent."""
        strategy = self.rule.strategy
        if strategy.amount is not None:
            return cents_down(value - strategy.amount)
        if strategy.percent is not None:
            return cents_down(value * (HUNDRED - strategy.percent) / HUNDRED)
        return cents_down(value - self.rule.step)


def _predicate(filters):  # noqa: C901 - one flat test per filter, for speed
    """One function telling whether a competitor's offer counts (a single
    function: it runs for every competitor of every offer)."""
    ignore_own = filters.ignore_own
    own = frozenset(filters.own_sellers)
    fulfilments = frozenset(filters.fulfilments) if filters.fulfilments else None
    conditions = frozenset(filters.conditions) if filters.conditions else None
    min_rating = filters.min_rating
    min_count = filters.min_rating_count
    keep = frozenset(filters.include_sellers) or None
    drop = frozenset(filters.exclude_sellers) or None

    def accept(o):
        if ignore_own and (o.own or (own and (o.seller in own or o.seller_id in own))):
            return False
        if fulfilments is not None and o.fulfilment not in fulfilments:
            return False
        if conditions is not None and o.condition not in conditions:
            return False
        if min_rating is not None and (o.rating is None or o.rating < min_rating):
            return False
        if min_count is not None and (
            o.rating_count is None or o.rating_count < min_count
        ):
            return False
        if keep is not None and o.seller not in keep and o.seller_id not in keep:
            return False
        return drop is None or (o.seller not in drop and o.seller_id not in drop)

    return accept


def in_windows(windows, now):
    """Whether ``now`` falls in one of the windows (no window: always)."""
    if not windows:
        return True
    moment = now.time()
    weekday = now.weekday()
    return any(
        weekday in days and start <= moment < end for days, start, end in windows
    )


def decide(rule, offer, now):
    """The ``Decision`` of ``rule`` for ``offer`` at ``now``."""
    return decide_compiled(CompiledRule(rule), offer, now)


def decide_compiled(compiled, offer, now):
    rule = compiled.rule
    old = offer.current_price
    floor = offer.floor
    if floor is None:
        try:
            floor = floor_of(offer.costs)
        except ValueError:
            return _still(rule, offer, None, "blocked", "no_floor", {})
    ceiling = offer.ceiling
    if offer.frozen:
        return _still(rule, offer, floor, "frozen", "frozen", {})
    if not in_windows(compiled.windows, now):
        return _still(rule, offer, floor, "unchanged", "outside_window", {})
    if ceiling is not None and floor.price > ceiling:
        params = {"floor_price": floor.price, "ceiling": ceiling}
        return _still(rule, offer, floor, "blocked", "floor_above_ceiling", params)
    price, reason, target, move = _strategy_price(compiled, offer, floor.price)
    if price is None:
        return _still(rule, offer, floor, "unchanged", reason, {})
    price, move = _conditions(rule.conditions, offer, now, price, move)
    price, reason, move = _bounds(price, reason, move, floor.price, ceiling)
    capped, guard = _cap(rule.guards, offer, price)
    if guard is not None:
        price, reason = capped, guard.template
        price, reason, move = _bounds(price, reason, move, floor.price, ceiling)
    safe = floor.price <= old and (ceiling is None or old <= ceiling)
    interval = rule.guards.min_interval
    if (
        price != old
        and safe
        and interval
        and offer.last_change_at is not None
        and now - offer.last_change_at < interval
    ):
        guard = Explanation("guard_interval", {"interval": _duration(interval)})
        price, state, reason = old, "blocked", "guard_interval"
    elif price == old:
        state = "unchanged"
    else:
        state = "simulated" if rule.simulation else "applied"
    if guard is None:
        explanation = Explanation("decision", {"move": move, "floor": floor})
    else:
        params = {"move": move, "guard": guard, "floor": floor}
        explanation = Explanation("decision_guard", params)
    return Decision(
        offer.key, rule.id, old, price, state, reason, target, floor, ceiling,
        explanation,
    )  # fmt: skip


def _duration(interval):
    if isinstance(interval, timedelta):
        minutes = int(interval.total_seconds() // 60)
        return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"
    return str(interval)


def _still(rule, offer, floor, state, reason, params):
    """A decision leaving the price as it is."""
    old = offer.current_price
    return Decision(
        offer.key, rule.id, old, old, state, reason, None, floor, offer.ceiling,
        Explanation(reason, params),
    )  # fmt: skip


def _strategy_price(compiled, offer, floor):
    """(price, reason, target offer, move explanation) of the strategy or its
    fallback; price None: nothing to do."""
    rule = compiled.rule
    accept = compiled.accept
    shipping = offer.own_shipping if compiled.landed else ZERO
    if compiled.landed:
        values = [(o.price + o.shipping, o) for o in offer.competitors if accept(o)]
    else:
        values = [(o.price, o) for o in offer.competitors if accept(o)]
    kind = rule.strategy.kind
    if kind == "ceiling":
        return _at_ceiling(offer, "ceiling")
    if not values:
        return _fallback(compiled, offer, floor, "no_competitor")
    if kind == "rank":
        return _rank(compiled, offer, floor, values, shipping)
    own_best = False
    if kind == "buy_box":
        own_best = any(o.featured and o.own for o in offer.competitors)
        featured = [pair for pair in values if pair[1].featured]
        if featured and not own_best:
            value, target = featured[0]
            price = compiled.beat(value) - shipping
            params = {"which": compiled.which, "target": value}
            params["by"] = compiled.beat_text
            move = Explanation("buy_box", params)
            return _checked(
                compiled, offer, floor, values, shipping, (price, target, move)
            )
    value, target = min(values, key=_first)
    if kind == "match_lowest":
        price = value - shipping
        move = Explanation("match_lowest", {"which": compiled.which, "target": value})
    else:
        price = compiled.beat(value) - shipping
        params = {"which": compiled.which, "target": value, "by": compiled.beat_text}
        move = Explanation("beat_lowest", params)
    if own_best or offer.current_price + shipping < value:
        return _already_best(compiled, offer, value, price, target)
    return _checked(compiled, offer, floor, values, shipping, (price, target, move))


def _checked(compiled, offer, floor, values, shipping, proposal):
    """The strategy's (price, target, move), or the fallback when every
    competitor is below the floor."""
    price, target, move = proposal
    if price < floor and max(values, key=_first)[0] - shipping < floor:
        price, reason, _none, move = _fallback(
            compiled, offer, floor, "all_below_floor"
        )
        return price, reason, target, move
    return price, compiled.rule.strategy.kind, target, move


def _already_best(compiled, offer, value, price, target):
    """Own offer already the best: hold, or raise to the strategy's price."""
    which = compiled.which
    if compiled.rule.fallbacks.already_best == "raise_to_next":
        move = Explanation("raise_to_next", {"which": which, "target": value})
        price = max(price, offer.current_price)
        return price, "raise_to_next", target, move
    held = offer.current_price
    fallback = Explanation("fallback_hold", {"price": held})
    params = {"which": which, "target": value, "fallback": fallback}
    return held, "already_best", target, Explanation("already_best", params)


def _rank(compiled, offer, floor, values, shipping):
    rank = compiled.rule.strategy.rank
    if len(values) < rank:
        return _at_ceiling(offer, "rank_open", {"rank": rank})
    value, target = sorted(values, key=_first)[rank - 1]
    price = compiled.beat(value) - shipping
    params = {
        "rank": rank,
        "which": compiled.which,
        "target": value,
        "by": compiled.beat_text,
    }
    proposal = (price, target, Explanation("rank", params))
    return _checked(compiled, offer, floor, values, shipping, proposal)


def _at_ceiling(offer, reason, params=None):
    if offer.ceiling is None:
        return None, "no_ceiling", None, None
    params = dict(params or {}, price=offer.ceiling)
    return offer.ceiling, reason, None, Explanation(reason, params)


def _fallback(compiled, offer, floor, scenario):
    """The price a fallback gives for ``scenario`` (no_competitor,
    all_below_floor)."""
    choice = getattr(compiled.rule.fallbacks, scenario)
    if choice == "ceiling" and offer.ceiling is not None:
        price = offer.ceiling
    elif choice == "floor":
        price = floor
    else:
        choice, price = "hold", offer.current_price
    fallback = Explanation(f"fallback_{choice}", {"price": price})
    params = {"which": compiled.which, "fallback": fallback}
    return price, scenario, None, Explanation(scenario, params)


def _conditions(conditions, offer, now, price, move):
    """The price raised for low stock, lowered when the offer sleeps."""
    low = conditions.low_stock
    if low is not None and offer.stock is not None and offer.stock <= low:
        percent = conditions.low_stock_raise_percent
        if percent:
            price = cents_up(price * (HUNDRED + percent) / HUNDRED)
            percent = percent_text(percent / HUNDRED)
            params = {"move": move, "percent": percent, "stock": offer.stock}
            move = Explanation("low_stock", params)
    days = conditions.sleeping_days
    if days is not None and offer.last_sale_at is not None:
        percent = conditions.sleeping_drop_percent
        if percent and now - offer.last_sale_at >= timedelta(days=days):
            price = cents_down(price * (HUNDRED - percent) / HUNDRED)
            percent = percent_text(percent / HUNDRED)
            params = {"move": move, "percent": percent, "days": days}
            move = Explanation("sleeping", params)
    return price, move


def _bounds(price, reason, move, floor, ceiling):
    if price < floor:
        return floor, "floor", Explanation("floor", {"move": move})
    if ceiling is not None and price > ceiling:
        return ceiling, "ceiling", Explanation("at_ceiling", {"move": move})
    return price, reason, move


def _cap(guards, offer, price):
    """(price, guard explanation or None): the price capped by the per-day
    limit (around the day's first price), then by the per-run limit (around
    the current price): the per-run limit always holds, the daily one as
    far as the per-run limit lets the price reach it."""
    old = offer.current_price
    guard = None
    if guards.max_change_day_percent is not None:
        base = offer.day_start_price if offer.day_start_price is not None else old
        limit = cents_down(base * guards.max_change_day_percent / HUNDRED)
        capped = min(max(price, base - limit), base + limit)
        if capped != price:
            price = capped
            guard = Explanation("guard_day", {"price": price})
    limits = []
    if guards.max_change_run_amount is not None:
        limits.append(guards.max_change_run_amount)
    if guards.max_change_run_percent is not None:
        limits.append(cents_down(old * guards.max_change_run_percent / HUNDRED))
    if limits:
        limit = min(limits)
        capped = min(max(price, old - limit), old + limit)
        if capped != price:
            price = capped
            guard = Explanation("guard_run", {"price": price})
    return price, guard


def run(rule, offers, now):
    """Decide every offer of ``rule``; a ``RunResult``.

    The cyclic garbage collector is paused during the loop (and restored):
    decisions hold no cycles, and collecting over a large heap of inputs
    would double the run's time."""
    compiled = CompiledRule(rule)
    collecting = gc.isenabled()
    gc.disable()
    try:
        decisions = [decide_compiled(compiled, offer, now) for offer in offers]
    finally:
        if collecting:
            gc.enable()
    return _war_guard(rule, decisions)


def _war_guard(rule, decisions):
    guards = rule.guards
    ratio = (HUNDRED - guards.war_drop_percent) / HUNDRED
    moving = ("applied", "simulated")
    sharp = [
        index
        for index, decision in enumerate(decisions)
        if decision.state in moving and decision.new_price < decision.old_price * ratio
    ]
    war = bool(decisions) and len(sharp) > guards.war_share * len(decisions)
    if war:
        for index in sharp:
            decisions[index] = _war_blocked(decisions[index])
    stats = {"offers": len(decisions), "sharp_drops": len(sharp)}
    for decision in decisions:
        stats[decision.state] = stats.get(decision.state, 0) + 1
    return RunResult(decisions, war, stats)


def _war_blocked(decision):
    explanation = Explanation("price_war", {"move": decision.explanation})
    return Decision(
        decision.key, decision.rule_id, decision.old_price, decision.old_price,
        "blocked", "price_war", decision.target, decision.floor, decision.ceiling,
        explanation,
    )  # fmt: skip
