"""Deterministic data of the Fnac Darty emulator: shops, states, orders.

An order depends only on the seed, its shop, its index and the options it is
created with (one generator per order, seeded by those). The variety is the
contract's (OrdersQueryService.xsd and what it leaves open, see
marketplace_apis.md 5.11):

- ``price`` is PER UNIT, tax included (0.91 to 9999.99, low prices
  included); ``shipping_price`` is the LINE's shipping, tax included (may be
  0.00); line ``fees`` the commission of the line; the order's ``fees`` the
  sum of its LIVE lines' (a refused line earns Fnac nothing; absent on a
  fifth of the orders); ``vat_rate`` on some
  orders only, an order-level figure (20) that never describes the basket;
- ``client_firstname`` present but empty on some orders, ``client_email``
  (a relay address ``...@marketplace.fnac.com``) absent on some,
  ``client_culture`` absent on some, ``adherent_number`` rare;
- addresses: ``address1`` absent on some (the street then in ``address2``),
  ``country`` mostly alpha-3 ("FRA", "BEL") but sometimes "France" or "FR",
  phones of at most 15 characters, ``company`` and ``nif`` (the VAT number)
  for companies, empty ``address2``/``state`` elements;
- relay point orders: every line has ``shipping_method`` 55 and the shipping
  address IS the relay point's: ``company`` = the relay point's name,
  ``address1`` its street, ``address3`` = the relay point id alone (six
  digits, e.g. "012345"), firstname/lastname the buyer's;
- lines: ``received_at``/``refused_at`` present and empty (``nullDateTime``)
  on some orders, ``description``/``internal_comment`` rare,
  ``promotion_type``/``promotion_uid`` rare, ``product_state`` 11 mostly.

Malformed orders (``DEFECTS``) are schema-valid (the XSD allows them) but
unusable: quantity 0 on a live line, empty ``offer_seller_id``, a line price
0.00 (with its quantity), a negative price, empty zipcode and city, empty
country, a creation date far in the future, no ``order_detail`` at all. (An
empty ``price`` is not schema-valid, ``xs:decimal``: never produced.)
"""

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from . import catalog, customers

NS = "http://www.fnac.com/schemas/mp-dialog.xsd"
PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
API_VERSION = "2.6.0"
FUTURE = datetime(2099, 6, 1, 8, 0, tzinfo=timezone.utc)

PARTNER_ID = "5a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
# shop id, name, key, market
DEFAULT_SHOPS = (
    (
        "7c0e1d2f-0000-4000-8000-0000000f0a01",
        "Sandbox Fnac",
        "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "FR",
    ),
    (
        "7c0e1d2f-0000-4000-8000-0000000da201",
        "Sandbox Darty",
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "FR",
    ),
)

ORDER_STATES = (
    "Created",
    "Accepted",
    "Refused",
    "ToShip",
    "Shipped",
    "NotReceived",
    "Received",
    "Cancelled",
    "Refunded",
    "Error",
)
LINE_STATES = (
    "ToAccept",
    "Accepted",
    "Refused",
    "ToShip",
    "Shipped",
    "NotReceived",
    "Received",
    "Refunded",
    "Cancelled",
)
DEAD_LINE_STATES = ("Refused", "Cancelled", "Refunded")
# the live stages, earliest first: an order is in the earliest stage found in
# its live lines (line state -> order state)
STAGES = {
    "ToAccept": "Created",
    "Accepted": "Accepted",
    "ToShip": "ToShip",
    "Shipped": "Shipped",
    "NotReceived": "NotReceived",
    "Received": "Received",
}
# order state -> the state its live lines are in
LINE_STATE_OF = {
    "Created": "ToAccept",
    "Accepted": "Accepted",
    "ToShip": "ToShip",
    "Shipped": "Shipped",
    "NotReceived": "NotReceived",
    "Received": "Received",
    "Refused": "Refused",
    "Cancelled": "Cancelled",
    "Refunded": "Refunded",
}
# "mixed": drawn across the table
MIXED_WEIGHTS = {
    "Created": 30,
    "Accepted": 10,
    "ToShip": 20,
    "Shipped": 15,
    "NotReceived": 3,
    "Received": 10,
    "Refused": 4,
    "Cancelled": 4,
    "Refunded": 2,
    "Error": 2,
}
SHIPPING_METHODS = {
    "20": "Standard",
    "21": "Suivi",
    "22": "Recommandé",
    "50": "Express",
    "55": "Point relais",
}
RELAY_METHOD = "55"
_HOME_METHODS = ("20",) * 5 + ("21",) * 3 + ("22", "50")
# code (pattern [A-Z_]*), name: carriers_query
CARRIERS = (
    ("COLISSIMO", "Colissimo"),
    ("CHRONOPOST", "Chronopost"),
    ("DPD", "DPD"),
    ("GLS", "GLS"),
    ("UPS", "UPS"),
    ("TNT", "TNT"),
    ("MONDIAL_RELAY", "Mondial Relay"),
    ("RELAIS_COLIS", "Relais Colis"),
    ("COLIS_PRIVE", "Colis Privé"),
    ("LA_POSTE_LETTRE_SUIVIE", "La Poste Lettre suivie"),
    ("DHL", "DHL"),
    ("FEDEX", "FedEx"),
    ("GEODIS", "Geodis"),
    ("KUEHNE_NAGEL", "Kuehne + Nagel"),
)
DEFECTS = {
    "zero_quantity": "a live line has quantity 0",
    "empty_sku": "a line's offer_seller_id is empty",
    "zero_price": "a line's price is 0.00 with a quantity",
    "negative_price": "a line's price is negative",
    "empty_zip_city": "the shipping address has an empty zipcode and city",
    "empty_country": "the shipping address has an empty country",
    "future_date": "the order is created far in the future",
    "no_lines": "the order has no order_detail",
}
_SHIPPING_PRICES = ("0.00", "0.00", "2.99", "3.49", "4.99", "5.90", "7.50", "9.90")
_FEE_RATES = (Decimal("0.10"), Decimal("0.12"), Decimal("0.145"), Decimal("0.15"))
_RELAYS = (
    ("Tabac de la Gare", "2 place de la Gare"),
    ("Librairie du Centre", "14 rue Nationale"),
    ("Pressing Pasteur", "31 rue Pasteur"),
    ("Supérette des Lilas", "7 rue des Lilas"),
    ("Fleuriste Victor Hugo", "58 boulevard Victor Hugo"),
)
_PROMOTIONS = ("Sales", "Destocking", "GoodDeal", "FlashSale")


def check_share(value, name):
    """``value`` as a float between 0 and 1 (``ValueError`` otherwise)."""
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return value


def pick_kinds(seed_text, count, unknown_share, malformed_share, unknown="unknown"):
    """Offset -> ``unknown`` or "malformed" for exactly ``round(count *
    share)`` of ``count`` offsets each, chosen reproducibly from
    ``seed_text`` (``ValueError`` on bad shares)."""
    n_unknown = round(count * check_share(unknown_share, "unknown_sku_share"))
    n_malformed = round(count * check_share(malformed_share, "malformed_share"))
    if count < 0 or n_unknown + n_malformed > count:
        raise ValueError("count >= 0 and shares adding up to 1 at most required")
    chosen = random.Random(seed_text).sample(range(count), n_unknown + n_malformed)
    kinds = dict.fromkeys(chosen[:n_unknown], unknown)
    kinds.update(dict.fromkeys(chosen[n_unknown:], "malformed"))
    return kinds


def money(value):
    """Round half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fnac_datetime(moment):
    """``moment`` in Europe/Paris with its offset, to the second:
    ``2025-03-01T10:15:00+01:00``."""
    return moment.astimezone(PARIS).isoformat(timespec="seconds")


def stable_uuid(*parts):
    """A uuid (common.xsd pattern) that depends only on ``parts``."""
    digest = hashlib.md5("-".join(map(str, parts)).encode()).hexdigest()
    return str(uuid.UUID(digest))


def order_id_of(seed, shop_slot, index, salt=0):
    """A 13-character uppercase hexadecimal order id."""
    text = f"fnac-order-{seed}-{shop_slot}-{index}-{salt}"
    return hashlib.sha1(text.encode()).hexdigest()[:13].upper()


def product_fnac_id(index):
    """The Fnac product id of catalogue product ``index``."""
    return str(3_100_000 + index)


def index_of_product_fnac_id(value):
    """The catalogue index of a Fnac product id, or None."""
    text = str(value or "")
    if (
        not text.isdigit()
        or not 3_100_000 <= int(text) <= 3_100_000 + catalog.MAX_INDEX
    ):
        return None
    return int(text) - 3_100_000


@dataclass
class Shop:
    shop_id: str
    name: str
    key: str
    market: str
    slot: int
    orders: dict = field(default_factory=dict)  # order id -> Order
    next_index: int = 0
    malformed_count: int = 0
    billing: set = field(default_factory=set)  # ids of orders awaiting billing


@dataclass
class Line:
    line_id: int
    state: str
    product_fnac_id: str
    product_name: str
    offer_fnac_id: str
    sku: str
    ean: str
    product_state: str
    price: Decimal  # per unit, tax included
    fees: Decimal
    quantity: int
    shipping_price: Decimal  # the line's, tax included
    shipping_method: str
    created: datetime
    debited: datetime = None
    received: datetime = None
    refused: datetime = None
    tracking_number: str = None
    tracking_company: str = None
    description: str = None
    internal_comment: str = None
    promotion_type: int = None
    promotion_uid: str = None
    empty_dates: bool = False  # received_at/refused_at present and empty

    @property
    def live(self):
        return self.state not in DEAD_LINE_STATES

    @property
    def total(self):
        return money(self.price * self.quantity)


@dataclass
class Order:
    order_id: str
    shop_id: str
    index: int
    kind: str  # valid, unknown_sku, malformed
    defect: str
    client_id: str
    client_firstname: str
    client_lastname: str
    client_email: str
    client_culture: str
    adherent_number: str
    state: str
    created: datetime
    updated: datetime
    has_fees: bool  # the order element carries its ``fees``
    vat_rate: Decimal
    shipping_address: dict  # XSD element name -> text (None: absent)
    billing_address: dict
    lines: list
    relay: bool = False
    company: bool = False
    market: str = "FR"
    nb_messages: int = 0
    invoice_number_reference: str = None
    delivery_note: str = None
    billing_due: datetime = None  # accepted, ToShip once billed
    decisions: dict = field(default_factory=dict)  # line id -> Accepted/Refused
    shipments: list = field(default_factory=list)
    history: list = field(default_factory=list)  # (moment, state)

    @property
    def live_lines(self):
        return [line for line in self.lines if line.live]

    @property
    def shipping_total(self):
        return sum((line.shipping_price for line in self.live_lines), ZERO)

    @property
    def expected_total(self):
        """Live lines' price x quantity plus their shipping, tax included."""
        goods = sum((line.total for line in self.live_lines), ZERO)
        return money(goods + self.shipping_total)

    @property
    def fees(self):
        """The order's ``fees`` element: its live lines' fees (None: absent)."""
        return self.commission if self.has_fees else None

    @property
    def commission(self):
        """Fnac's commission: the live lines' fees (None without lines)."""
        if not self.lines:
            return None
        return sum((line.fees for line in self.live_lines), ZERO)


@dataclass
class Options:
    """The shares an order is drawn with (``FnacStore.create_orders``)."""

    relay_share: float = 0.15
    company_share: float = 0.05
    multi_line_share: float = 0.3
    catalog_start: int = 0
    catalog_size: int = None


class Generator:
    """Draws the orders of one store (seed, catalogue, buyers)."""

    def __init__(self, seed, products, catalog_size):
        self.seed = seed
        self.products = products
        self.catalog_size = catalog_size
        self.buyers = customers.customers(seed)

    def product(self, index):
        if index < len(self.products):
            return self.products[index]
        return catalog.product(self.seed, index)

    def order(self, shop, order_id, index, options, created, *, unknown, defect):
        """Order ``index`` of ``shop`` (state Created, lines ToAccept)."""
        rng = random.Random(f"fnac-order-{self.seed}-{shop.slot}-{index}")
        buyer_index = rng.randrange(len(self.buyers))
        buyer = self.buyers[buyer_index]
        relay = rng.random() < options.relay_share
        company = rng.random() < options.company_share
        people = _People(rng, buyer, company, relay)
        lines = self._lines(rng, shop, index, options, created, relay, unknown)
        order = Order(
            order_id=order_id,
            shop_id=shop.shop_id,
            index=index,
            kind="malformed" if defect else "unknown_sku" if unknown else "valid",
            defect=defect,
            client_id=stable_uuid("fnac-client", self.seed, shop.slot, buyer_index),
            client_firstname="" if rng.random() < 0.05 else buyer["firstname"],
            client_lastname=buyer["lastname"],
            client_email=people.email(),
            client_culture=people.culture(),
            adherent_number=(
                f"{rng.randrange(10**9, 10**10)}" if rng.random() < 0.04 else None
            ),
            state="Created",
            created=created,
            updated=created,
            has_fees=bool(lines) and rng.random() < 0.8,
            vat_rate=Decimal("20") if rng.random() < 0.4 else None,
            shipping_address=people.shipping(),
            billing_address=people.billing(),
            lines=lines,
            relay=relay,
            company=people.organization is not None,
            market=shop.market,
        )
        if rng.random() < 0.1:
            order.invoice_number_reference = f"FA{rng.randrange(10**7, 10**8)}"
        if rng.random() < 0.3:
            for line in lines:
                line.empty_dates = True
        if defect:
            apply_defect(order, defect, rng)
        order.history.append((created, "Created"))
        return order

    def _lines(self, rng, shop, index, options, created, relay, unknown):
        count = 1
        if rng.random() < options.multi_line_share:
            count = rng.choice((2, 2, 2, 3, 3, 4))
        size = options.catalog_size or self.catalog_size
        method = RELAY_METHOD if relay else rng.choice(_HOME_METHODS)
        lines = []
        for number in range(1, count + 1):
            product_index = options.catalog_start + rng.randrange(size)
            product = self.product(product_index)
            if not relay and count > 1 and rng.random() < 0.05:
                method = rng.choice(_HOME_METHODS)
            line = self._line(rng, shop, number, product_index, product, method)
            line.created = created + timedelta(seconds=number)
            lines.append(line)
        if unknown:
            unknown_line = lines[rng.randrange(count)]
            unknown_line.sku = catalog.unknown_sku(shop.slot * 100_000 + index)
            unknown_line.product_fnac_id = str(9_000_000 + index)
            unknown_line.offer_fnac_id = stable_uuid("fnac-offer", unknown_line.sku)
        return lines

    def _line(self, rng, shop, number, product_index, product, method):
        draw = rng.random()
        if draw < 0.08:
            price = money(Decimal(rng.randrange(91, 300)) / 100)
        elif draw < 0.1:
            price = money(Decimal(rng.randrange(100_000, 999_999)) / 100)
        else:
            price = Decimal(product["price"])
        quantity = rng.choices((1, 2, 3, 5, 10), (70, 15, 8, 5, 2))[0]
        shipping = Decimal(rng.choice(_SHIPPING_PRICES))
        rate = rng.choice(_FEE_RATES)
        line = Line(
            line_id=number,
            state="ToAccept",
            product_fnac_id=product_fnac_id(product_index),
            product_name=product["name"],
            offer_fnac_id=stable_uuid("fnac-offer", shop.shop_id, product["sku"]),
            sku=product["sku"],
            ean=product["ean"],
            product_state="11"
            if rng.random() < 0.95
            else rng.choice("10 1 2 3 5".split()),
            price=price,
            fees=money((price * quantity + shipping) * rate),
            quantity=quantity,
            shipping_price=shipping,
            shipping_method=method,
            created=None,
        )
        if rng.random() < 0.03:
            line.promotion_type = rng.randrange(1, 5)
            line.promotion_uid = f"PROMO{rng.randrange(1000, 9999)}"
        if rng.random() < 0.03:
            line.internal_comment = "Lot entrepôt B"
        if rng.random() < 0.05:
            line.description = "Neuf, expédié sous 48h"
        return line


class _People:
    """The buyer's e-mail, culture and addresses of one order."""

    def __init__(self, rng, buyer, company, relay):
        self.rng = rng
        self.buyer = buyer
        self.relay = relay
        self.organization = None
        if company:
            self.organization = buyer["organization"] or {
                "name": f"{buyer['lastname']} SAS",
                "tax_identification_number": customers.french_vat_number(
                    rng.randrange(100_000_000, 1_000_000_000)
                ),
            }
        self.belgian = buyer["address"]["country_iso_code"] == "BEL"

    def email(self):
        if self.rng.random() < 0.1:
            return None
        token = hashlib.sha1(self.buyer["customer_id"].encode()).hexdigest()[:12]
        return f"{token}@marketplace.fnac.com"

    def culture(self):
        if self.rng.random() < 0.1:
            return None
        return "fr-BE" if self.belgian else "fr-FR"

    def _country(self, iso3):
        draw = self.rng.random()
        if iso3 == "FRA" and draw < 0.06:
            return "France"
        if iso3 == "FRA" and draw < 0.1:
            return "FR"
        return iso3

    def _phone(self):
        phone = self.buyer["phone"]
        return phone if len(phone) <= 15 else phone.replace(" ", "")

    def _address(self, source, with_company):
        rng = self.rng
        street = source["street_1"]
        values = {
            "firstname": self.buyer["firstname"],
            "lastname": self.buyer["lastname"],
            "company": None,
            "address1": street,
            "address2": source.get("street_2"),
            "address3": source.get("street_3"),
            "zipcode": source["zip_code"],
            "city": source["city"],
            "state": "" if rng.random() < 0.2 else None,
            "country": self._country(source["country_iso_code"]),
            "phone": self._phone() if rng.random() < 0.5 else None,
            "mobile": self._phone() if rng.random() < 0.6 else None,
            "nif": None,
        }
        if rng.random() < 0.08:  # address1 is optional: the street in address2
            values["address1"] = None
            values["address2"] = street
            values["address3"] = source.get("street_2")
        elif values["address2"] is None and rng.random() < 0.2:
            values["address2"] = ""
        if with_company and self.organization:
            values["company"] = self.organization["name"]
            values["nif"] = self.organization["tax_identification_number"]
        return values

    def billing(self):
        return self._address(self.buyer["address"], True)

    def shipping(self):
        values = self._address(self.buyer["shipping_address"], True)
        if self.relay:
            name, street = self.rng.choice(_RELAYS)
            values.update(
                company=name,
                address1=street,
                address2=None,
                address3=f"{self.rng.randrange(1, 999_999):06d}",
                nif=None,
            )
        return values


def apply_defect(order, defect, rng):
    """Make ``order`` malformed in the way ``defect`` says (schema-valid)."""
    line = order.lines[rng.randrange(len(order.lines))] if order.lines else None
    if defect == "zero_quantity":
        line.quantity = 0
    elif defect == "empty_sku":
        line.sku = ""
    elif defect == "zero_price":
        line.price = ZERO
    elif defect == "negative_price":
        line.price = -abs(line.price)
    elif defect == "empty_zip_city":
        order.shipping_address.update(zipcode="", city="")
    elif defect == "empty_country":
        order.shipping_address["country"] = ""
    elif defect == "future_date":
        order.created = FUTURE
        for each in order.lines:
            each.created = FUTURE
    elif defect == "no_lines":
        order.lines = []
    else:
        raise ValueError(f"unknown defect {defect!r}")
