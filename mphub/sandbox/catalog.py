"""The deterministic product catalogue the sandbox marketplaces sell.

Odoo tests and demo data create the same products (SKU, EAN, price, VAT
rate), so that sandbox orders reference products Odoo knows. A product's
fields depend only on the seed and its index: ``products(seed, 10)`` is a
prefix of ``products(seed, 60)``. Indexes up to 999,999 give distinct SKUs
and EANs; ``index_of_ean`` and ``index_of_sku`` find a product back.
"""

import random
from decimal import Decimal

# (noun, VAT rate or None for "drawn"): books are at 5.5 % in France
_NOUNS = (
    ("Mug", None),
    ("Lampe de bureau", None),
    ("Bouilloire", None),
    ("Grille-pain", None),
    ("Casque audio", None),
    ("Enceinte", None),
    ("Perceuse", None),
    ("Tournevis", None),
    ("Coussin", None),
    ("Plaid", None),
    ("Cafetière", None),
    ("Mixeur", None),
    ("Ventilateur", None),
    ("Radiateur", None),
    ("Poêle", None),
    ("Casserole", None),
    ("Livre de cuisine", "5.5"),
    ("Roman", "5.5"),
    ("Jeu de société", None),
    ("Puzzle", None),
)
# invariable words, right whatever the noun's gender
_QUALIFIERS = (
    "rouge",
    "rose",
    "beige",
    "orange",
    "kaki",
    "turquoise",
    "inox",
    "design",
    "vintage",
    "XL",
    "pro",
)
# most goods at 20 %, a few at 10 % (and 5.5 % besides the books)
_RATES = ("20.0",) * 16 + ("10.0",) * 2 + ("5.5",)
MAX_INDEX = 999_999  # the EAN holds the index on 6 digits


def ean13_checksum(first12):
    """Check digit (a one-character string) of the EAN-13 starting with the 12
    digits ``first12``."""
    digits = [int(c) for c in first12]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def is_valid_ean13(code):
    """True for a string of 13 digits whose last one is the right checksum."""
    return (
        isinstance(code, str)
        and len(code) == 13
        and code.isdigit()
        and ean13_checksum(code[:12]) == code[12]
    )


def product(seed, index):
    """Catalogue product number ``index`` (0-based) of ``seed``.

    A plain dict: ``sku`` ("MPH-0001"), ``ean`` (valid EAN-13), ``name``
    (French), ``price`` (tax included, EUR, string with 2 decimals),
    ``tax_rate`` (string, "20.0", "10.0" or "5.5") and ``weight`` (kg).
    """
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"catalogue index {index} out of 0..{MAX_INDEX}")
    rng = random.Random(f"mphub-catalog-{seed}-{index}")
    noun, rate = _NOUNS[index % len(_NOUNS)]
    qualifier = rng.choice(_QUALIFIERS)
    rng.choice(_RATES)  # drawn for the sequence of the values below
    # a product's VAT rate is its own, the same whatever the seed: Odoo's
    # sandbox products and every sandbox's orders agree on it
    drawn_rate = random.Random(f"mphub-catalog-rate-{index}").choice(_RATES)
    cents = rng.randrange(490, 19990, 10)  # 4.90 to 199.80
    first12 = f"376{seed % 1000:03d}{index:06d}"
    return {
        "sku": f"MPH-{index + 1:04d}",
        "ean": first12 + ean13_checksum(first12),
        "name": f"{noun} {qualifier} {index + 1}",
        "price": str((Decimal(cents) / 100).quantize(Decimal("0.01"))),
        "tax_rate": rate or drawn_rate,
        "weight": round(rng.uniform(0.1, 5.0), 2),
    }


def index_of_ean(seed, ean):
    """The index of the product of ``seed`` whose EAN is ``ean``, or None."""
    prefix = f"376{seed % 1000:03d}"
    if not is_valid_ean13(ean) or not ean.startswith(prefix):
        return None
    return int(ean[len(prefix) : 12])


def index_of_sku(sku):
    """The index of the product whose SKU is ``sku`` ("MPH-0001": 0), or
    None."""
    number = sku[4:] if isinstance(sku, str) and sku.startswith("MPH-") else ""
    if (
        not number.isdigit()
        or len(number) < 4
        or (len(number) > 4 and number[0] == "0")
    ):
        return None
    index = int(number) - 1
    return index if 0 <= index <= MAX_INDEX else None


def products(seed=42, size=60, start=0):
    """``size`` products of the catalogue of ``seed``, from index ``start``
    (default: the first ones)."""
    return [product(seed, index) for index in range(start, start + size)]


def unknown_sku(number):
    """A SKU that is never in any catalogue: ``UNKNOWN-00042``."""
    return f"UNKNOWN-{number:05d}"


def unknown_ean(number):
    """A valid EAN-13 that is never in any catalogue: its "200" prefix is a
    restricted-circulation one, the catalogue's is "376"."""
    first12 = f"200{number % 10**9:09d}"
    return first12 + ean13_checksum(first12)
