"""The texts of the engine's explanations, translatable.

``mphub.repricing.model.TEMPLATES`` holds them in English; each is written
here literally in an ``env._()`` call (same ``%(name)s`` params) so that
Odoo's export of the terms picks them up and the decisions are written in
the company's language. ``tests/test_run.py`` checks that the codes and the
params match the engine's.
"""

from decimal import Decimal

from mphub.repricing.model import CENT, Explanation, Floor


def translated_templates(env):
    """{template code: text} in the language of ``env``."""
    _ = env._
    return {
        "decision": _("%(move)s; %(floor)s"),
        "decision_guard": _("%(move)s; %(guard)s; %(floor)s"),
        "beat_lowest": _("beat the lowest %(which)s %(target)s by %(by)s"),
        "match_lowest": _("match the lowest %(which)s %(target)s"),
        "buy_box": _("beat the featured %(which)s %(target)s by %(by)s"),
        "rank": _("hold rank %(rank)s below the %(which)s %(target)s by %(by)s"),
        "rank_open": _(
            "fewer than %(rank)s competitors: stay at the ceiling %(price)s"
        ),
        "ceiling": _("stay at the ceiling %(price)s"),
        "no_competitor": _("no competing %(which)s: %(fallback)s"),
        "all_below_floor": _(
            "every competing %(which)s is below the floor: %(fallback)s"
        ),
        "already_best": _("already the best %(which)s, under %(target)s: %(fallback)s"),
        "raise_to_next": _(
            "already the best %(which)s: raise to just under %(target)s"
        ),
        "floor": _("%(move)s, held at the floor"),
        "at_ceiling": _("%(move)s, held at the ceiling"),
        "low_stock": _("%(move)s, raised %(percent)s %% for low stock (%(stock)s)"),
        "sleeping": _(
            "%(move)s, lowered %(percent)s %% after %(days)s days without sale"
        ),
        "outside_window": _("outside the rule's time windows: price unchanged"),
        "frozen": _("offer frozen: price unchanged"),
        "floor_above_ceiling": _(
            "the floor %(floor_price)s is above the ceiling %(ceiling)s: "
            "price unchanged"
        ),
        "no_ceiling": _("no ceiling set: price unchanged"),
        "no_floor": _("no price covers the costs: price unchanged"),
        "price_war": _(
            "blocked, a sharp drop on too many offers of the rule (price war "
            "or bad data): %(move)s"
        ),
        "fallback_ceiling": _("ceiling %(price)s"),
        "fallback_floor": _("floor %(price)s"),
        "fallback_hold": _("hold %(price)s"),
        "guard_run": _("capped to %(price)s by the per-run limit"),
        "guard_day": _("capped to %(price)s by the daily limit"),
        "guard_interval": _("blocked: last change less than %(interval)s ago"),
        "offer_any": _("offer"),
        "offer_merchant": _("seller-fulfilled offer"),
        "offer_marketplace": _("marketplace-fulfilled offer"),
        "floor_parts": _("floor %(price)s = %(parts)s"),
        "part_cost": _("cost %(amount)s"),
        "part_commission": _("commission %(amount)s"),
        "part_commission_rate": _("commission %(rate)s %% %(amount)s"),
        "part_commission_rate_fixed": _(
            "commission %(rate)s %% + %(fixed)s %(amount)s"
        ),
        "part_fees": _("fees %(amount)s"),
        "part_shipping": _("shipping %(amount)s"),
        "part_payment": _("payment %(amount)s"),
        "part_vat": _("VAT %(rate)s %% %(amount)s"),
        "part_margin": _("margin %(amount)s"),
    }


class Renderer:
    """``Explanation.render(templates)`` for the many decisions of a run:
    the same sentence, with the parts shared between decisions (a floor
    used by many offers, "seller-fulfilled offer"...) rendered once. The
    memo holds the objects it keys by ``id``: none is collected (and its id
    reused) while the renderer lives."""

    def __init__(self, templates):
        self.templates = templates
        self.memo = {}

    def render(self, explanation):
        values = {
            name: self._value(value) for name, value in explanation.params.items()
        }
        return self.templates[explanation.template] % values

    def _value(self, value):
        if isinstance(value, Explanation | Floor):
            key = id(value)
            found = self.memo.get(key)
            if found is not None and found[0] is value:
                return found[1]
            if isinstance(value, Floor):
                text = self.render(value.explanation())
            else:
                text = self.render(value)
            self.memo[key] = (value, text)
            return text
        if isinstance(value, tuple):
            return " + ".join(self._value(item) for item in value)
        if isinstance(value, Decimal):
            if value.as_tuple().exponent > -2:
                value = value.quantize(CENT)
            return format(value, "f")
        return str(value)
