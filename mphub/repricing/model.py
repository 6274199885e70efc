"""The repricing engine's inputs and outputs.

Money is ``Decimal`` at the interface, tax included unless said otherwise,
rounded to the cent.

The floor (``floor_of``)
------------------------
The floor is the lowest tax-included price ``P``, to the cent, at which the
offer still pays for everything it costs and leaves the minimum margin::

    P = cost + commission(P) + fixed_fees + shipping_cost + payment(P)
        + vat(P) + margin, with margin >= minimum margin

where

- ``commission(P) = commission_rate * P + commission_fixed`` (or
  ``commission_fn(P)`` when given, e.g. Amazon's fee estimate). Marketplaces
  take their commission on the tax-included price; they invoice it with VAT
  on top, which the seller recovers: the commission counts as its amount
  excluding tax, as the marketplace states it;
- ``payment(P) = payment_rate * P + payment_fixed``;
- ``vat(P) = P - P / (1 + vat_rate)``: the VAT collected on the sale;
- the minimum margin is the larger of ``margin_amount`` and
  ``margin_rate * cost``.

Every part is rounded half-up to the cent and the margin is what is left of
``P``: the parts add up to the floor exactly. The floor is the exact
solution rounded up to the cent, raised while the cent-rounded parts leave
less than the minimum margin (so the margin shown is at least the minimum).
With a commission function the search starts from the costs alone and steps
up by the shortfall: it assumes every part grows with the price (true of
rates and of fee tables).

A run meets the same costs again and again (one cost price, one commission
rate, one VAT rate for many offers): ``FloorCache`` keeps the floor of each
identical ``Costs`` for the run, so each is solved once.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from mphub.pricing import CompetitorOffer

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HALF_UP = ROUND_HALF_UP
NO_FLOOR = "no price covers these costs: the rates take it all"

STRATEGIES = ("beat_lowest", "match_lowest", "buy_box", "rank", "ceiling")
COMPARES = ("landed", "price")
NO_COMPETITOR = ("ceiling", "hold", "floor")
ALL_BELOW_FLOOR = ("floor", "hold", "ceiling")
ALREADY_BEST = ("hold", "raise_to_next")
STATES = ("unchanged", "simulated", "applied", "blocked", "frozen")

# English texts of the explanations, by code; %(name)s are the params. The
# Odoo addon holds the same texts in translatable calls.
TEMPLATES = {
    # decision = a move, then the guard that capped it, then the floor
    "decision": "%(move)s; %(floor)s",
    "decision_guard": "%(move)s; %(guard)s; %(floor)s",
    # moves
    "beat_lowest": "beat the lowest %(which)s %(target)s by %(by)s",
    "match_lowest": "match the lowest %(which)s %(target)s",
    "buy_box": "beat the featured %(which)s %(target)s by %(by)s",
    "rank": "hold rank %(rank)s below the %(which)s %(target)s by %(by)s",
    "rank_open": "fewer than %(rank)s competitors: stay at the ceiling %(price)s",
    "ceiling": "stay at the ceiling %(price)s",
    "no_competitor": "no competing %(which)s: %(fallback)s",
    "all_below_floor": "every competing %(which)s is below the floor: %(fallback)s",
    "already_best": "already the best %(which)s, under %(target)s: %(fallback)s",
    "raise_to_next": "already the best %(which)s: raise to just under %(target)s",
    "floor": "%(move)s, held at the floor",
    "at_ceiling": "%(move)s, held at the ceiling",
    "low_stock": "%(move)s, raised %(percent)s %% for low stock (%(stock)s)",
    "sleeping": "%(move)s, lowered %(percent)s %% after %(days)s days without sale",
    "outside_window": "outside the rule's time windows: price unchanged",
    "frozen": "offer frozen: price unchanged",
    "floor_above_ceiling": "the floor %(floor_price)s is above the ceiling "
    "%(ceiling)s: price unchanged",
    "no_ceiling": "no ceiling set: price unchanged",
    "no_floor": "no price covers the costs: price unchanged",
    "price_war": "blocked, a sharp drop on too many offers of the rule (price war "
    "or bad data): %(move)s",
    # fallbacks
    "fallback_ceiling": "ceiling %(price)s",
    "fallback_floor": "floor %(price)s",
    "fallback_hold": "hold %(price)s",
    # guards
    "guard_run": "capped to %(price)s by the per-run limit",
    "guard_day": "capped to %(price)s by the daily limit",
    "guard_interval": "blocked: last change less than %(interval)s ago",
    # which offers compete
    "offer_any": "offer",
    "offer_merchant": "seller-fulfilled offer",
    "offer_marketplace": "marketplace-fulfilled offer",
    # the floor and its parts (parts are joined with " + ")
    "floor_parts": "floor %(price)s = %(parts)s",
    "part_cost": "cost %(amount)s",
    "part_commission": "commission %(amount)s",
    "part_commission_rate": "commission %(rate)s %% %(amount)s",
    "part_commission_rate_fixed": "commission %(rate)s %% + %(fixed)s %(amount)s",
    "part_fees": "fees %(amount)s",
    "part_shipping": "shipping %(amount)s",
    "part_payment": "payment %(amount)s",
    "part_vat": "VAT %(rate)s %% %(amount)s",
    "part_margin": "margin %(amount)s",
}


def cents(value, rounding=ROUND_HALF_UP):
    """``value`` rounded to the cent."""
    return value.quantize(CENT, rounding=rounding)


def cents_up(value):
    return value.quantize(CENT, rounding=ROUND_CEILING)


def cents_down(value):
    return value.quantize(CENT, rounding=ROUND_FLOOR)


def percent_text(rate):
    """A fraction as a percent text: Decimal("0.15") -> "15"."""
    text = format((rate * 100).normalize(), "f")
    return text


def _render_value(value, templates):
    if isinstance(value, Explanation):
        return value.render(templates)
    if isinstance(value, Floor):
        return value.explanation().render(templates)
    if isinstance(value, tuple):
        return " + ".join(_render_value(item, templates) for item in value)
    if isinstance(value, Decimal):
        if value.as_tuple().exponent > -2:
            value = value.quantize(CENT)
        return format(value, "f")
    return str(value)


class Explanation(NamedTuple):
    """A sentence as a template code and its params; a param may itself be
    an ``Explanation`` (or a tuple of them, joined with " + ") or a
    ``Floor`` (rendered as its parts).

    A named tuple, not a dataclass: a run builds several per decision, and a
    tuple is one object for the garbage collector to walk where a dataclass
    instance is two (itself and its ``__dict__``). The params are never
    changed once built."""

    template: str
    params: dict = {}  # noqa: RUF012 - read only, shared by the param-less

    def render(self, templates=None):
        """The sentence, in English or with ``templates`` (code -> text,
        e.g. translated)."""
        templates = TEMPLATES if templates is None else templates
        values = {
            name: _render_value(value, templates) for name, value in self.params.items()
        }
        return templates[self.template] % values


class FloorPart(NamedTuple):
    code: str  # cost, commission, fees, shipping, payment, vat, margin
    amount: Decimal
    rate: Decimal | None = None  # the rate it comes from, when a rate
    fixed: Decimal | None = None  # the fixed amount added to the rate's


@dataclass(frozen=True)
class Floor:
    price: Decimal
    parts: tuple  # FloorPart values adding up to price

    def explanation(self):
        parts = []
        for part in self.parts:
            code = f"part_{part.code}"
            params = {"amount": part.amount}
            if part.rate is not None:
                params["rate"] = percent_text(part.rate)
                if part.code == "commission":
                    code = "part_commission_rate"
                    if part.fixed:
                        code = "part_commission_rate_fixed"
                        params["fixed"] = part.fixed
            parts.append(Explanation(code, params))
        return Explanation("floor_parts", {"price": self.price, "parts": tuple(parts)})


@dataclass(frozen=True)
class Costs:
    """What selling one unit costs, amounts excluding tax except the
    commission's base (the tax-included price); rates are fractions."""

    cost: Decimal
    commission_rate: Decimal = ZERO
    commission_fixed: Decimal = ZERO
    commission_fn: object = None  # callable(price) -> commission amount
    fixed_fees: Decimal = ZERO
    shipping_cost: Decimal = ZERO
    payment_rate: Decimal = ZERO
    payment_fixed: Decimal = ZERO
    margin_amount: Decimal = ZERO
    margin_rate: Decimal = ZERO  # fraction of cost
    vat_rate: Decimal = ZERO

    def commission(self, price):
        if self.commission_fn is not None:
            return Decimal(self.commission_fn(price))
        return price * self.commission_rate + self.commission_fixed

    def minimum_margin(self):
        return max(self.margin_amount, self.margin_rate * self.cost)


def _start(costs, fixed, margin):
    """Where the search starts: with rates only, the exact solution rounded
    up to the cent; with a commission function, the costs without it."""
    if costs.commission_fn is not None:
        return (fixed + margin).quantize(CENT, ROUND_CEILING)
    kept = ONE / (ONE + costs.vat_rate) - costs.commission_rate - costs.payment_rate
    if kept <= 0:
        raise ValueError(NO_FLOOR)
    need = fixed + margin + costs.commission_fixed + costs.payment_fixed
    return (need / kept).quantize(CENT, ROUND_CEILING)


def floor_of(costs, max_steps=1000):
    """The ``Floor`` of ``costs`` (see the module's docstring). Raises
    ``ValueError`` when no price covers them (rates taking it all)."""
    fixed = costs.cost + costs.fixed_fees + costs.shipping_cost
    margin = costs.margin_amount
    if costs.margin_rate:
        margin = max(margin, costs.margin_rate * costs.cost)
    price = _start(costs, fixed, margin)
    fn = costs.commission_fn
    rate, commission_fixed = costs.commission_rate, costs.commission_fixed
    payment_rate, payment_fixed = costs.payment_rate, costs.payment_fixed
    vat_base = ONE + costs.vat_rate
    for _step in range(max_steps):
        if fn is None:
            commission = (price * rate + commission_fixed).quantize(CENT, HALF_UP)
        else:
            commission = Decimal(fn(price)).quantize(CENT, HALF_UP)
        payment = (price * payment_rate + payment_fixed).quantize(CENT, HALF_UP)
        vat = (price - price / vat_base).quantize(CENT, HALF_UP)
        left = price - fixed - commission - payment - vat
        short = margin - left
        if short <= 0:
            return Floor(price, _floor_parts(costs, commission, payment, vat, left))
        # every part grows with the price by less than it: never overshoots
        price += max(CENT, short.quantize(CENT, ROUND_CEILING))
    raise ValueError(NO_FLOOR)


class FloorCache:
    """``floor_of`` remembered per identical ``Costs``: ``floors.floor_of(costs)``
    answers what ``floor_of(costs)`` does (the same ``Floor``, or the same
    ``ValueError``), solving each set of costs once.

    Costs are identical when every amount and rate is written the same
    (``str``: ``Decimal("0.5")`` and ``Decimal("0.50")`` differ, as their
    floors' parts would) and the commission function is the same object
    (functions compare by identity; a function that cannot be hashed is
    never cached). A function must answer the same for the same price for
    as long as the cache lives: keep one cache per run."""

    __slots__ = ("_floors", "max_steps")

    def __init__(self, max_steps=1000):
        self._floors = {}
        self.max_steps = max_steps

    def __len__(self):
        return len(self._floors)

    def floor_of(self, costs):
        c = costs
        key = (
            c.commission_fn, str(c.cost), str(c.commission_rate),
            str(c.commission_fixed), str(c.fixed_fees), str(c.shipping_cost),
            str(c.payment_rate), str(c.payment_fixed), str(c.margin_amount),
            str(c.margin_rate), str(c.vat_rate),
        )  # fmt: skip
        floors = self._floors
        try:
            floor = floors.get(key, floors)  # the dict itself: not there
        except TypeError:  # a commission function that cannot be hashed
            return floor_of(costs, self.max_steps)
        if floor is floors:
            try:
                floor = floor_of(costs, self.max_steps)
            except ValueError as error:
                floor = error
            floors[key] = floor
        if isinstance(floor, ValueError):
            raise floor.with_traceback(None)
        return floor


def _floor_parts(costs, commission, payment, vat, margin):
    parts = [FloorPart("cost", costs.cost)]
    if commission or costs.commission_rate:
        rate = costs.commission_rate if costs.commission_fn is None else None
        fixed = costs.commission_fixed if rate else None
        parts.append(FloorPart("commission", commission, rate or None, fixed or None))
    optional = (
        ("fees", costs.fixed_fees, None),
        ("shipping", costs.shipping_cost, None),
        ("payment", payment, None),
        ("vat", vat, costs.vat_rate),
    )
    parts += [
        FloorPart(code, amount, rate) for code, amount, rate in optional if amount
    ]
    parts.append(FloorPart("margin", margin))
    return tuple(parts)


@dataclass(frozen=True)
class Ceiling:
    """The highest price allowed: the list price, the MSRP or a factor of
    the cost, as the caller decides (``source`` says which)."""

    price: Decimal
    source: str | None = None


@dataclass(frozen=True)
class Filters:
    """Which competitors' offers count. ``None`` or empty: no filter."""

    fulfilments: tuple | None = None  # FULFILMENTS codes
    conditions: tuple | None = None  # the marketplace's condition codes
    min_rating: Decimal | None = None
    min_rating_count: int | None = None
    include_sellers: tuple = ()  # names or ids; empty: every seller
    exclude_sellers: tuple = ()
    ignore_own: bool = True
    own_sellers: tuple = ()  # the seller's other accounts (names or ids)


@dataclass(frozen=True)
class Strategy:
    kind: str = "beat_lowest"  # one of STRATEGIES
    amount: Decimal | None = None  # beat by an amount
    percent: Decimal | None = None  # or by a percent (0-100)
    rank: int = 1  # the rank to hold ("rank")
    compare: str = "landed"  # "landed" (price + shipping) or "price"

    def __post_init__(self):
        if self.kind not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.kind!r}")
        if self.compare not in COMPARES:
            raise ValueError(f"unknown comparison {self.compare!r}")
        if self.kind == "rank" and self.rank < 1:
            raise ValueError("the rank to hold starts at 1")


@dataclass(frozen=True)
class Fallbacks:
    no_competitor: str = "ceiling"
    all_below_floor: str = "floor"
    already_best: str = "hold"

    def __post_init__(self):
        for name, allowed in (
            ("no_competitor", NO_COMPETITOR),
            ("all_below_floor", ALL_BELOW_FLOOR),
            ("already_best", ALREADY_BEST),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} fallback {getattr(self, name)!r}")


@dataclass(frozen=True)
class Guards:
    max_change_run_amount: Decimal | None = None
    max_change_run_percent: Decimal | None = None
    max_change_day_percent: Decimal | None = None
    min_interval: timedelta | None = None
    war_share: Decimal = Decimal("0.3")  # share of a rule's offers
    war_drop_percent: Decimal = Decimal("10")


@dataclass(frozen=True)
class Conditions:
    low_stock: int | None = None  # raise when stock <= low_stock
    low_stock_raise_percent: Decimal = ZERO
    sleeping_days: int | None = None  # lower when no sale for that long
    sleeping_drop_percent: Decimal = ZERO
    # (weekdays (0 = Monday), start time, end time [excluded]); empty: always
    windows: tuple = ()


@dataclass(frozen=True)
class Rule:
    id: object
    name: str
    strategy: Strategy = field(default_factory=Strategy)
    filters: Filters = field(default_factory=Filters)
    fallbacks: Fallbacks = field(default_factory=Fallbacks)
    guards: Guards = field(default_factory=Guards)
    conditions: Conditions = field(default_factory=Conditions)
    simulation: bool = False
    step: Decimal = CENT  # the beat when neither amount nor percent is set


@dataclass(frozen=True)
class OfferInput:
    key: object
    current_price: Decimal
    competitors: tuple  # CompetitorOffer values, own offers may be among them
    costs: Costs
    ceiling: Decimal | None = None  # or a Ceiling
    stock: int | None = None
    last_sale_at: object = None  # datetime
    last_change_at: object = None  # datetime
    day_start_price: Decimal | None = None
    frozen: bool = False
    own_shipping: Decimal = ZERO
    floor: Floor | None = None  # precomputed floor_of(costs), if known

    def __post_init__(self):
        if isinstance(self.ceiling, Ceiling):
            object.__setattr__(self, "ceiling", self.ceiling.price)


class Decision(NamedTuple):
    """What the engine decided for one offer (a named tuple, for the same
    reason as ``Explanation``)."""

    key: object
    rule_id: object
    old_price: Decimal
    new_price: Decimal
    state: str  # one of STATES
    reason: str
    target: CompetitorOffer | None
    floor: Floor | None
    ceiling: Decimal | None
    explanation: Explanation

    @property
    def changed(self):
        return self.new_price != self.old_price


_tuple_new = tuple.__new__


def make_explanation(template, params):
    """``Explanation(template, params)``, built faster for the engine's hot
    path (``tuple.__new__`` skips the named tuple's argument handling)."""
    return _tuple_new(Explanation, (template, params))


def make_decision(
    key, rule_id, old_price, new_price, state, reason, target, floor, ceiling,
    explanation,
):  # fmt: skip
    """``Decision(...)``, built faster for the engine's hot path (see
    ``make_explanation``)."""
    return _tuple_new(Decision, (
        key, rule_id, old_price, new_price, state, reason, target, floor,
        ceiling, explanation,
    ))  # fmt: skip


@dataclass(frozen=True)
class RunResult:
    decisions: list
    war_blocked: bool
    stats: dict
