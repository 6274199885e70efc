"""The deterministic buyers of the sandbox marketplaces.

French (and a few Belgian) people with realistic names, streets, postcodes
and phone numbers; about one in ten buys for a company with a valid
intra-community VAT number. Emulators draw their orders' buyers from this
pool, so the same buyer orders several times, as in real life. A buyer
depends only on the seed and its index.

Addresses carry the country as ISO 3166-1 alpha-3 (``FRA``, ``BEL``), the
form Mirakl uses; ``country_iso2`` is there for APIs that want alpha-2.
"""

import random

POOL_SIZE = 300

_FIRST_NAMES = (
    ("Jeanne", "MME"),
    ("Louis", "M"),
    ("Camille", "MME"),
    ("Hugo", "M"),
    ("Léa", "MME"),
    ("Lucas", "M"),
    ("Chloé", "MME"),
    ("Nathan", "M"),
    ("Manon", "MME"),
    ("Théo", "M"),
    ("Inès", "MME"),
    ("Jules", "M"),
    ("Sarah", "MME"),
    ("Gabriel", "M"),
    ("Emma", "MME"),
    ("Arthur", "M"),
    ("Zoé", "MME"),
    ("Raphaël", "M"),
    ("Alice", "MME"),
    ("Paul", "M"),
    ("Juliette", "MME"),
    ("Tom", "M"),
    ("Lina", "MME"),
    ("Noah", "M"),
    ("Margaux", "MME"),
    ("Étienne", "M"),
)
_LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Rousseau",
    "Blanc",
)
_STREETS = (
    "rue des Lilas",
    "avenue Jean Jaurès",
    "boulevard Victor Hugo",
    "rue de la Paix",
    "place de la République",
    "rue Pasteur",
    "allée des Tilleuls",
    "chemin du Moulin",
    "rue Nationale",
    "impasse des Roses",
    "quai de la Loire",
    "rue du Château",
    "avenue de la Gare",
    "rue Émile Zola",
    "rue des Écoles",
)
_FRENCH_CITIES = (
    ("75011", "Paris"),
    ("75015", "Paris"),
    ("69003", "Lyon"),
    ("13008", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("34000", "Montpellier"),
    ("35000", "Rennes"),
    ("06000", "Nice"),
    ("21000", "Dijon"),
    ("38000", "Grenoble"),
    ("49000", "Angers"),
    ("37000", "Tours"),
    ("29200", "Brest"),
    ("64000", "Pau"),
    ("87000", "Limoges"),
    ("97400", "Saint-Denis"),
)
_BELGIAN_CITIES = (
    ("1000", "Bruxelles"),
    ("4000", "Liège"),
    ("5000", "Namur"),
    ("6000", "Charleroi"),
)
_COUNTRIES = {
    "FRA": {"country": "France", "country_iso2": "FR", "locale": "fr_FR"},
    "BEL": {"country": "Belgique", "country_iso2": "BE", "locale": "fr_BE"},
}
_LEGAL_FORMS = ("SARL", "SAS", "EURL", "SA")


def french_vat_number(siren):
    """The French intra-community VAT number of a 9-digit SIREN."""
    key = (12 + 3 * (siren % 97)) % 97
    return f"FR{key:02d}{siren:09d}"


def belgian_vat_number(number):
    """A Belgian VAT number: ``BE``, then the enterprise number (``0`` and 7
    digits, then 97 minus those 8 digits modulo 97)."""
    base = 1_000_000 + number % 9_000_000
    return f"BE0{base:07d}{97 - base % 97:02d}"


def _phone(rng, country):
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _pair in range(3))
    if country == "BEL":
        return f"+32 4{rng.randint(70, 99)} {pairs}"
    return f"0{rng.choice('1234567')} {rng.randint(0, 99):02d} {pairs}"


def _address(rng, country):
    zip_code, city = rng.choice(_BELGIAN_CITIES if country == "BEL" else _FRENCH_CITIES)
    return {
        "street_1": f"{rng.randint(1, 150)} {rng.choice(_STREETS)}",
        "zip_code": zip_code,
        "city": city,
        "country": _COUNTRIES[country]["country"],
        "country_iso_code": country,
        "country_iso2": _COUNTRIES[country]["country_iso2"],
    }


_ADDITIONAL_INFO = (
    "Code porte {code}",
    "Digicode {code}, 3e étage",
    "Sonner à l'interphone {name}",
    "Laisser le colis chez le gardien",
    "Entrée par la cour, porte B",
)


def _delivery_details(seed, index, lastname, organization, shipping_address):
    """What some buyers add to their delivery address: the company they
    are delivered at (``company``), a third street line (``street_3``) and
    instructions for the carrier (``additional_info``).

    Drawn from a generator of their own, so that the buyers' other values
    stay what they were before these details existed."""
    rng = random.Random(f"mphub-customer-delivery-{seed}-{index}")
    if organization and rng.random() < 0.6:
        shipping_address["company"] = organization["name"]
    elif rng.random() < 0.05:
        shipping_address["company"] = f"{lastname} & Associés"
    if rng.random() < 0.1:
        shipping_address["street_3"] = f"Résidence {rng.choice(_LAST_NAMES)}"
    if rng.random() < 0.2:
        template = rng.choice(_ADDITIONAL_INFO)
        shipping_address["additional_info"] = template.format(
            code=f"{rng.randint(0, 9999):04d}{rng.choice('ABCD')}", name=lastname
        )


def customer(seed, index):
    """Buyer number ``index`` (0-based) of the pool of ``seed``.

    Keys: ``customer_id``, ``civility`` ("M" or "MME"), ``firstname``,
    ``lastname``, ``locale``, ``phone``, ``address`` (billing),
    ``shipping_address`` (the billing one, or for a quarter of them another
    one with a ``street_2``; some have a ``company``, a ``street_3`` or
    ``additional_info``) and ``organization`` (``None``, or a dict with
    ``organization_id``, ``name``, ``identification_number`` and
    ``tax_identification_number``).
    """
    rng = random.Random(f"mphub-customer-{seed}-{index}")
    firstname, civility = rng.choice(_FIRST_NAMES)
    lastname = rng.choice(_LAST_NAMES)
    country = "BEL" if rng.random() < 0.08 else "FRA"
    address = _address(rng, country)
    shipping_address = dict(address)
    if rng.random() < 0.25:
        shipping_address = _address(rng, country)
        shipping_address["street_2"] = f"Bâtiment {rng.choice('ABCD')}"
    organization = None
    if rng.random() < 0.1:
        number = rng.randrange(100_000_000, 1_000_000_000)
        vat = (
            belgian_vat_number(number)
            if country == "BEL"
            else french_vat_number(number)
        )
        organization = {
            "organization_id": f"ORG-{seed}-{index:05d}",
            "name": f"{lastname} {rng.choice(_LEGAL_FORMS)}",
            "identification_number": vat[-9:] if country == "FRA" else vat[2:],
            "tax_identification_number": vat,
        }
    _delivery_details(seed, index, lastname, organization, shipping_address)
    return {
        "customer_id": f"C-{seed}-{index:05d}",
        "civility": civility,
        "firstname": firstname,
        "lastname": lastname,
        "locale": _COUNTRIES[country]["locale"],
        "phone": _phone(rng, country),
        "address": address,
        "shipping_address": shipping_address,
        "organization": organization,
    }


def customers(seed=42, size=POOL_SIZE):
    """The first ``size`` buyers of the pool of ``seed``."""
    return [customer(seed, index) for index in range(size)]
