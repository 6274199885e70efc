"""The deterministic product catalogue the sandbox marketplaces sell.

Odoo tests and demo data create the same products (SKU, EAN, price, VAT
rate), so that sandbox orders reference products Odoo knows. A product's
fields depend only on the seed and its index: ``products(seed, 10)`` is a
prefix of ``products(seed, 60)``.
"""

import random
from decimal import ROUND_HALF_UP, Decimal

_NOUNS = (
    "Mug",
    "Lampe de bureau",
    "Bouilloire",
    "Grille-pain",
    "Casque audio",
    "Enceinte",
    "Perceuse",
    "Tournevis",
    "Coussin",
    "Plaid",
    "Cafetière",
    "Mixeur",
    "Ventilateur",
    "Radiateur",
    "Poêle",
    "Casserole",
    "Livre de cuisine",
    "Roman",
    "Jeu de société",
    "Puzzle",
)
_ADJECTIVES = (
    "rouge",
    "noir",
    "blanc",
    "inox",
    "compact",
    "familial",
    "pro",
    "design",
    "vintage",
    "XL",
)
# VAT rates sold in France: most goods at 20 %, books at 5.5 %, some at 10 %
_RATES = (("20.0", 16), ("5.5", 2), ("10.0", 2))


def ean13_checksum(first12):
    """Check digit of an EAN-13 whose first 12 digits are given."""
    digits = [int(c) for c in first12]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def is_valid_ean13(code):
    return (
        isinstance(code, str)
        and len(code) == 13
        and code.isdigit()
        and ean13_checksum(code[:12]) == code[12]
    )


def product(seed, index):
    """The catalogue product number ``index`` (0-based) for ``seed``."""
    rng = random.Random(f"mphub-catalog-{seed}-{index}")
    noun = _NOUNS[index % len(_NOUNS)]
    adjective = rng.choice(_ADJECTIVES)
    rate = rng.choices([r for r, _w in _RATES], weights=[w for _r, w in _RATES])[0]
    if noun in ("Livre de cuisine", "Roman"):
        rate = "5.5"
    cents = rng.randrange(490, 19990, 10)  # 4.90 to 199.80, ends in 0
    price = (Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    first12 = f"376{seed % 1000:03d}{index:06d}"
    return {
        "sku": f"MPH-{index + 1:04d}",
        "ean": first12 + ean13_checksum(first12),
        "name": f"{noun} {adjective} {index + 1}",
        "price": str(price),
        "tax_rate": rate,
        "weight": round(rng.uniform(0.1, 5.0), 2),
    }


def products(seed=42, size=60):
    """The first ``size`` products of the catalogue of ``seed``."""
    return [product(seed, index) for index in range(size)]


def unknown_sku(number):
    """A SKU that is never in any catalogue."""
    return f"UNKNOWN-{number:05d}"
