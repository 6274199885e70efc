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

import contextlib
import gc
from datetime import timedelta
from decimal import Decimal

from .model import (
    ZERO,
    Explanation,
    FloorCache,
    RunResult,
    cents_down,
    cents_up,
    make_decision,
    make_explanation,
    percent_text,
)

HUNDRED = Decimal(100)
WHICH = {
    None: Explanation("offer_any"),
    ("merchant",): Explanation("offer_merchant"),
    ("marketplace",): Explanation("offer_marketplace"),
}


class CompiledRule:
    """A rule's parts prepared once for every offer of a run, and the floors
    of the costs met so far (``floors``, a ``FloorCache``)."""

    __slots__ = (
        "rule", "accept", "select", "landed", "which", "windows", "beat_text",
        "kind", "rank", "floors", "moved", "beat_by", "beat_keep",
        "low_stock", "low_up", "low_text", "sleep_after", "sleep_days",
        "sleep_keep", "sleep_text", "day_percent", "run_amount", "run_percent",
        "interval", "interval_text",
    )  # fmt: skip

    def __init__(self, rule, floors=None):
        self.rule = rule
        self.accept = _predicate(rule.filters)
        self.select = _selector(rule.filters)
        self.landed = rule.strategy.compare == "landed"
        fulfilments = rule.filters.fulfilments
        key = tuple(sorted(set(fulfilments))) if fulfilments else None
        self.which = WHICH.get(key, WHICH[None])
        self.windows = tuple(rule.conditions.windows or ())
        self.floors = FloorCache() if floors is None else floors
        self.moved = "simulated" if rule.simulation else "applied"
        strategy = rule.strategy
        self.kind = strategy.kind
        self.rank = strategy.rank
        self.beat_by = self.beat_keep = None
        if strategy.amount is not None:
            self.beat_text = self.beat_by = strategy.amount
        elif strategy.percent is not None:
            self.beat_text = f"{percent_text(strategy.percent / HUNDRED)} %"
            self.beat_keep = HUNDRED - strategy.percent
        else:
            self.beat_text = self.beat_by = rule.step
        self._compile_conditions(rule.conditions)
        guards = rule.guards
        self.day_percent = guards.max_change_day_percent
        self.run_amount = guards.max_change_run_amount
        self.run_percent = guards.max_change_run_percent
        self.interval = guards.min_interval or None
        self.interval_text = _duration(self.interval) if self.interval else None

    def _compile_conditions(self, conditions):
        percent = conditions.low_stock_raise_percent
        enabled = conditions.low_stock is not None and percent
        self.low_stock = conditions.low_stock if enabled else None
        self.low_up = HUNDRED + percent if enabled else None
        self.low_text = percent_text(percent / HUNDRED) if enabled else None
        days, percent = conditions.sleeping_days, conditions.sleeping_drop_percent
        enabled = days is not None and percent
        self.sleep_days = days
        self.sleep_after = timedelta(days=days) if enabled else None
        self.sleep_keep = HUNDRED - percent if enabled else None
        self.sleep_text = percent_text(percent / HUNDRED) if enabled else None

    def beat(self, value):
        """``value`` beaten by the strategy's amount or percent."""
        if self.beat_keep is None:
            return cents_down(value - self.beat_by)
        return cents_down(value * self.beat_keep / HUNDRED)


def _predicate(filters):
    """One function telling whether a competitor's offer counts."""
    select = _selector(filters)
    return lambda offer: bool(select((offer,)))


def _selector(filters):  # noqa: C901 - one flat test per filter, for speed
    """One function giving the competitors' offers that count, in their
    order: a single comprehension testing every filter inline (it runs for
    every competitor of every offer; a disabled filter costs one test)."""
    ignore_own = filters.ignore_own
    own = frozenset(filters.own_sellers) or None
    fulfilments = frozenset(filters.fulfilments) if filters.fulfilments else None
    conditions = frozenset(filters.conditions) if filters.conditions else None
    min_rating = filters.min_rating
    min_count = filters.min_rating_count
    keep = frozenset(filters.include_sellers) or None
    drop = frozenset(filters.exclude_sellers) or None

    def select(competitors):
        return [
            o
            for o in competitors
            if not (
                ignore_own
                and (
                    o.own
                    or (own is not None and (o.seller in own or o.seller_id in own))
                )
            )
            and (fulfilments is None or o.fulfilment in fulfilments)
            and (conditions is None or o.condition in conditions)
            and (
                min_rating is None
                or (o.rating is not None and not o.rating < min_rating)
            )
            and (
                min_count is None
                or (o.rating_count is not None and not o.rating_count < min_count)
            )
            and (keep is None or o.seller in keep or o.seller_id in keep)
            and (drop is None or (o.seller not in drop and o.seller_id not in drop))
        ]

    return select


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


def decide_compiled(compiled, offer, now):  # noqa: C901 - the steps in order
    rule = compiled.rule
    old = offer.current_price
    floor = offer.floor
    if floor is None:
        try:
            floor = compiled.floors.floor_of(offer.costs)
        except ValueError:
            return _still(rule, offer, None, "blocked", "no_floor", {})
    ceiling = offer.ceiling
    if offer.frozen:
        return _still(rule, offer, floor, "frozen", "frozen", {})
    if compiled.windows and not in_windows(compiled.windows, now):
        return _still(rule, offer, floor, "unchanged", "outside_window", {})
    lowest = floor.price
    if ceiling is not None and lowest > ceiling:
        params = {"floor_price": lowest, "ceiling": ceiling}
        return _still(rule, offer, floor, "blocked", "floor_above_ceiling", params)
    price, reason, target, move = _strategy_price(compiled, offer, lowest)
    if price is None:
        return _still(rule, offer, floor, "unchanged", reason, {})
    if compiled.low_stock is not None or compiled.sleep_after is not None:
        price, move = _conditions(compiled, offer, now, price, move)
    if price < lowest:
        price, reason, move = lowest, "floor", make_explanation("floor", {"move": move})
    elif ceiling is not None and price > ceiling:
        price, reason = ceiling, "ceiling"
        move = make_explanation("at_ceiling", {"move": move})
    capped, guard = _cap(compiled, offer, price)
    if guard is not None:
        price, reason = capped, guard.template
        price, reason, move = _bounds(price, reason, move, lowest, ceiling)
    interval = compiled.interval
    if (
        price != old
        and interval is not None
        and offer.last_change_at is not None
        and lowest <= old
        and (ceiling is None or old <= ceiling)
        and now - offer.last_change_at < interval
    ):
        params = {"interval": compiled.interval_text}
        guard = make_explanation("guard_interval", params)
        price, state, reason = old, "blocked", "guard_interval"
    elif price == old:
        state = "unchanged"
    else:
        state = compiled.moved
    if guard is None:
        explanation = make_explanation("decision", {"move": move, "floor": floor})
    else:
        params = {"move": move, "guard": guard, "floor": floor}
        explanation = make_explanation("decision_guard", params)
    return make_decision(
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
    return make_decision(
        offer.key, rule.id, old, old, state, reason, None, floor, offer.ceiling,
        make_explanation(reason, params),
    )  # fmt: skip


def _strategy_price(compiled, offer, floor):
    """(price, reason, target offer, move explanation) of the strategy or its
    fallback; price None: nothing to do."""
    kind = compiled.kind
    if kind == "ceiling":
        return _at_ceiling(offer, "ceiling")
    accepted = compiled.select(offer.competitors)
    if not accepted:
        return _fallback(compiled, offer, floor, "no_competitor")
    if compiled.landed:
        shipping = offer.own_shipping
        values = [o.price + o.shipping for o in accepted]
    else:
        shipping = ZERO
        values = [o.price for o in accepted]
    if kind == "rank":
        return _rank(compiled, offer, floor, accepted, values, shipping)
    own_best = False
    if kind == "buy_box":
        own_best = any(o.featured and o.own for o in offer.competitors)
        if not own_best:
            for value, target in zip(values, accepted, strict=True):
                if target.featured:
                    price = compiled.beat(value) - shipping
                    params = {"which": compiled.which, "target": value}
                    params["by"] = compiled.beat_text
                    move = make_explanation("buy_box", params)
                    return _checked(compiled, offer, floor, values, price, target, move)
    value = min(values)  # the first of the lowest, as ``index`` finds it
    target = accepted[values.index(value)]
    if kind == "match_lowest":
        price = value - shipping
    else:
        price = compiled.beat(value) - shipping
    if own_best or offer.current_price + shipping < value:
        return _already_best(compiled, offer, value, price, target)
    if kind == "match_lowest":
        params = {"which": compiled.which, "target": value}
        move = make_explanation("match_lowest", params)
    else:
        params = {"which": compiled.which, "target": value, "by": compiled.beat_text}
        move = make_explanation("beat_lowest", params)
    return _checked(compiled, offer, floor, values, price, target, move)


def _checked(compiled, offer, floor, values, price, target, move):
    """The strategy's (price, reason, target, move), or the fallback when
    every competitor is below the floor."""
    shipping = offer.own_shipping if compiled.landed else ZERO
    if price < floor and max(values) - shipping < floor:
        price, reason, _none, move = _fallback(
            compiled, offer, floor, "all_below_floor"
        )
        return price, reason, target, move
    return price, compiled.kind, target, move


def _already_best(compiled, offer, value, price, target):
    """Own offer already the best: hold, or raise to the strategy's price."""
    which = compiled.which
    if compiled.rule.fallbacks.already_best == "raise_to_next":
        move = make_explanation("raise_to_next", {"which": which, "target": value})
        price = max(price, offer.current_price)
        return price, "raise_to_next", target, move
    held = offer.current_price
    fallback = make_explanation("fallback_hold", {"price": held})
    params = {"which": which, "target": value, "fallback": fallback}
    return held, "already_best", target, make_explanation("already_best", params)


def _rank(compiled, offer, floor, accepted, values, shipping):
    rank = compiled.rank
    if len(values) < rank:
        return _at_ceiling(offer, "rank_open", {"rank": rank})
    index = sorted(range(len(values)), key=values.__getitem__)[rank - 1]
    value, target = values[index], accepted[index]
    price = compiled.beat(value) - shipping
    params = {
        "rank": rank,
        "which": compiled.which,
        "target": value,
        "by": compiled.beat_text,
    }
    move = make_explanation("rank", params)
    return _checked(compiled, offer, floor, values, price, target, move)


def _at_ceiling(offer, reason, params=None):
    if offer.ceiling is None:
        return None, "no_ceiling", None, None
    params = dict(params or {}, price=offer.ceiling)
    return offer.ceiling, reason, None, make_explanation(reason, params)


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
    fallback = make_explanation(f"fallback_{choice}", {"price": price})
    params = {"which": compiled.which, "fallback": fallback}
    return price, scenario, None, make_explanation(scenario, params)


def _conditions(compiled, offer, now, price, move):
    """The price raised for low stock, lowered when the offer sleeps."""
    low = compiled.low_stock
    if low is not None and offer.stock is not None and offer.stock <= low:
        price = cents_up(price * compiled.low_up / HUNDRED)
        params = {"move": move, "percent": compiled.low_text, "stock": offer.stock}
        move = make_explanation("low_stock", params)
    after = compiled.sleep_after
    if (
        after is not None
        and offer.last_sale_at is not None
        and now - offer.last_sale_at >= after
    ):
        price = cents_down(price * compiled.sleep_keep / HUNDRED)
        params = {
            "move": move,
            "percent": compiled.sleep_text,
            "days": compiled.sleep_days,
        }
        move = make_explanation("sleeping", params)
    return price, move


def _bounds(price, reason, move, floor, ceiling):
    if price < floor:
        return floor, "floor", make_explanation("floor", {"move": move})
    if ceiling is not None and price > ceiling:
        return ceiling, "ceiling", make_explanation("at_ceiling", {"move": move})
    return price, reason, move


def _cap(compiled, offer, price):
    """(price, guard explanation or None): the price capped by the per-day
    limit (around the day's first price), then by the per-run limit (around
    the current price): the per-run limit always holds, the daily one as
    far as the per-run limit lets the price reach it."""
    old = offer.current_price
    guard = None
    percent = compiled.day_percent
    if percent is not None:
        base = offer.day_start_price
        if base is None:
            base = old
        limit = cents_down(base * percent / HUNDRED)
        capped = min(max(price, base - limit), base + limit)
        if capped != price:
            price = capped
            guard = make_explanation("guard_day", {"price": price})
    limit = compiled.run_amount
    percent = compiled.run_percent
    if percent is not None:
        by_percent = cents_down(old * percent / HUNDRED)
        limit = by_percent if limit is None else min(limit, by_percent)
    if limit is not None:
        capped = min(max(price, old - limit), old + limit)
        if capped != price:
            price = capped
            guard = make_explanation("guard_run", {"price": price})
    return price, guard


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector paused for the block (and restored).

    A run builds hundreds of thousands of objects holding no cycles (offers,
    competitors' offers, decisions): with the collector on, each of its
    passes walks the whole growing heap, which costs as much as the run.
    Memory is still freed by reference counting; cycles made meanwhile wait
    for the next collection."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def run(rule, offers, now, floors=None):
    """Decide every offer of ``rule``; a ``RunResult``. The floors of
    identical costs are solved once (in ``floors``, a ``FloorCache``, new
    for the run unless given). The garbage collector is paused during the
    loop (``gc_paused``)."""
    compiled = CompiledRule(rule, floors)
    with gc_paused():
        decisions = [decide_compiled(compiled, offer, now) for offer in offers]
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
    explanation = make_explanation("price_war", {"move": decision.explanation})
    return make_decision(
        decision.key, decision.rule_id, decision.old_price, decision.old_price,
        "blocked", "price_war", decision.target, decision.floor, decision.ceiling,
        explanation,
    )  # fmt: skip
