"""The competitor shops of the Mirakl emulator: who else sells a product.

Plain data, no HTTP (``mirakl_p11`` serves it as P11): per catalogue
product, 0 to 8 offers of operator shops that are not sandbox accounts,
drawn from the seed and the product's index; their prices move with the
clock (a seeded step of -3 % to +3 % per product, shop and hour, around a
drawn base of 80 % to 125 % of the catalogue price; the "Destock Plus" shop
sells at 40 % to 70 %, sometimes a few cents).

The variety P11 can carry: used and refurbished state codes besides new
("11"), inactive offers (no stock), a shop without evaluations (grade 0),
a private seller (``is_professional`` false), premium shops, free and paid
shipping on one or two zones (standard, sometimes express), a price of its
own on the ``FR`` channel, offers sellable on ``FR`` and ``BE``.

``Competitor`` is one such offer (amounts in cents); ``competitor_of``
builds one from an admin override (fixed, does not move).
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# shop_id, name, is_professional, premium, (grade tenths range or None: no
# evaluation yet), base price range in percent of the catalogue price
COMPETITOR_SHOPS = (
    (3101, "Maison & Co", True, True, (42, 50), (85, 126)),
    (3102, "Bricoland", True, False, (30, 47), (80, 121)),
    (3103, "Le Comptoir Malin", True, False, (35, 49), (80, 111)),
    (3104, "Destock Plus", True, False, (20, 36), (40, 71)),
    (3105, "Paul D.", False, False, (38, 50), (70, 101)),
    (3106, "Electro Direct", True, True, (44, 50), (90, 126)),
    (3107, "La Boutique Verte", True, False, (25, 45), (95, 126)),
    (3108, "Nouvelle Boutique", True, False, None, (80, 106)),
)
# code, label
ZONES = {"FR-METRO": "France métropolitaine", "FR-CORSE": "Corse"}
SHIPPING_TYPES = {"STD": "Livraison standard", "EXP": "Livraison express"}
SHIPPING_CENTS = (0, 0, 290, 490, 690)
USED_STATES = ("1", "2", "3", "4", "10")  # used (like new...acceptable), refurbished
MIN_CENTS = 1  # a competitor's price never goes below a cent
FIRST_OFFER_ID = 900_000_000


@dataclass(slots=True)
class Competitor:
    """One offer of a competitor shop on a product; prices in cents, tax
    included. ``shipping``: zone -> shipping type -> cents; ``channel_cents``:
    channel code -> that channel's price."""

    offer_id: int
    shop_id: int
    shop_name: str
    cents: int
    state_code: str = "11"
    is_professional: bool = True
    premium: bool = False
    grade: Decimal = Decimal(0)
    evaluations: int = 0
    quantity: int = 10
    leadtime: int = 2
    shipping: dict = field(default_factory=lambda: {"FR-METRO": {"STD": 0}})
    channels: tuple = ("FR",)
    channel_cents: dict = field(default_factory=dict)


def drawn_competitors(seed, index, base_cents, hour, moves=True):
    """The competitors of catalogue product ``index`` (catalogue price
    ``base_cents``) at ``hour`` (hours since the epoch)."""
    rng = random.Random(f"mirakl-p11-{seed}-{index}")
    count = rng.choice((0, 1, 2, 3, 3, 4, 5, 6, 8))
    chosen = rng.sample(COMPETITOR_SHOPS, count)
    result = []
    for slot, spec in enumerate(chosen):
        shop_id, name, professional, premium, grades, prices = spec
        cents = base_cents * rng.randrange(*prices) // 100
        if moves:
            step = random.Random(f"mirakl-p11-move-{seed}-{index}-{shop_id}-{hour}")
            cents = cents * (1000 + step.randrange(-30, 31)) // 1000
        grade = Decimal(rng.randrange(*grades)) / 10 if grades else Decimal(0)
        result.append(
            Competitor(
                offer_id=FIRST_OFFER_ID + index * 10 + slot,
                shop_id=shop_id,
                shop_name=name,
                cents=max(cents, MIN_CENTS),
                state_code="11" if rng.random() < 0.75 else rng.choice(USED_STATES),
                is_professional=professional,
                premium=premium,
                grade=grade,
                evaluations=rng.randrange(1, 20_000) if grades else 0,
                quantity=0 if rng.random() < 0.1 else rng.randrange(1, 200),
                leadtime=rng.choice((1, 2, 2, 3, 5, 10)),
                shipping=_drawn_shipping(rng),
                channels=("FR", "BE") if rng.random() < 0.2 else ("FR",),
                channel_cents=(
                    {"FR": max(cents * 98 // 100, MIN_CENTS)}
                    if rng.random() < 0.3
                    else {}
                ),
            )
        )
    return result


def _drawn_shipping(rng):
    standard = rng.choice(SHIPPING_CENTS)
    metro = {"STD": standard}
    if rng.random() < 0.5:
        metro["EXP"] = standard + 500
    shipping = {"FR-METRO": metro}
    if rng.random() < 0.5:
        shipping["FR-CORSE"] = {"STD": standard + 500}
    return shipping


def competitor_of(data, offer_id):
    """A fixed competitor from an admin override: ``shop_id``, ``shop_name``,
    ``price`` (text or number), and optionally ``shipping`` (standard, on
    FR-METRO), ``state_code``, ``shop_grade``, ``nb_evaluation``,
    ``premium``, ``is_professional``, ``quantity``, ``leadtime_to_ship``,
    ``channels``, ``channel_prices`` ({channel: price}). ``ValueError`` on a
    bad value."""
    if not isinstance(data, dict):
        raise ValueError(f"a competitor is an object, not {data!r:.60}")
    try:
        return Competitor(
            offer_id=offer_id,
            shop_id=int(data["shop_id"]),
            shop_name=str(data["shop_name"]),
            cents=_cents(data["price"]),
            state_code=str(data.get("state_code", "11")),
            is_professional=bool(data.get("is_professional", True)),
            premium=bool(data.get("premium", False)),
            grade=Decimal(str(data.get("shop_grade", 0))),
            evaluations=int(data.get("nb_evaluation", 0)),
            quantity=int(data.get("quantity", 10)),
            leadtime=int(data.get("leadtime_to_ship", 2)),
            shipping={"FR-METRO": {"STD": _cents(data.get("shipping", 0))}},
            channels=tuple(data.get("channels") or ("FR",)),
            channel_cents={
                str(code): _cents(price)
                for code, price in (data.get("channel_prices") or {}).items()
            },
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as err:
        raise ValueError(f"bad competitor {data!r:.200}: {err!r}") from err


def _cents(value):
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a price: {value!r}")
    return int((amount * 100).to_integral_value())
