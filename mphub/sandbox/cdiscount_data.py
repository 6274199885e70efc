"""Deterministic data of the Cdiscount emulator: orders and offers.

An order depends only on the seed, its seller, its index and the options it
is created with: each aspect (buyer, lines, prices, shipping, relay point,
commission...) draws from a generator of its own, so changing one share
changes only the orders that share picks. The variety is the contract's:
prices from 0.01 to 9999.99, quantities up to 10, two lines of one SKU,
fee pseudo-lines, orders with and without commission, relay points,
companies, Email nil (an EncryptedEmail only) or no address at all, every
optional field absent somewhere, additional shipping charges, shipping
charged once per order, line totals that are not a whole number of units.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from . import catalog, customers
from .cdiscount_model import (
    ADDITIONAL_PRICES,
    CATEGORIES,
    COMMISSION_RATES,
    CONDITIONS,
    FEE_SKUS,
    PARIS,
    RELAY_MODES,
    RELAY_NAMES,
    SHIPPING_MODES,
    SHIPPING_PRICES,
    ZERO,
    Address,
    Customer,
    Line,
    Offer,
    Order,
    customer_code,
    money,
    order_letters,
)
from .server import format_timestamp

FUTURE = datetime(2099, 6, 1, 8, 0, tzinfo=timezone.utc)
_CIVILITIES = {"M": "MR", "MME": "MRS"}


@dataclass
class Options:
    """The shares an order is drawn with (see ``CdiscountStore.create_orders``)."""

    fulfilment_share: float = 0.05
    relay_share: float = 0.15
    company_share: float = 0.05
    multi_line_share: float = 0.3
    additional_shipping_share: float = 0.2
    xdock_share: float = 0.02
    fee_line_share: float = 0.01
    same_sku_share: float = 0.01
    # the catalogue range the products are drawn from (None: the store's)
    catalog_start: int = 0
    catalog_size: int = None


class Generator:
    """Draws orders and offers for one store (seed, catalogue, buyers)."""

    def __init__(self, seed, products, catalog_size):
        self.seed = seed
        self.products = products
        self.catalog_size = catalog_size
        self.buyers = customers.customers(seed)

    def _rng(self, seller, index, aspect):
        return random.Random(
            f"cdiscount-{aspect}-{self.seed}-{seller.seller_id}-{index}"
        )

    def product(self, index):
        if index < len(self.products):
            return self.products[index]
        return catalog.product(self.seed, index)

    # -- orders ------------------------------------------------------------------
    def order(
        self,
        seller,
        slot,
        index,
        options,
        now,
        *,
        unknown=False,
        defect=None,
        created=None,
    ):
        """Order number ``index`` of ``seller`` (state WaitingAcceptance,
        Seller supply mode: the store moves it)."""
        rng = self._rng(seller, index, "order")
        created = created or now
        number = created.astimezone(PARIS).strftime("%y%m%d%H%M") + order_letters(
            slot, index
        )
        buyer = self.buyers[rng.randrange(len(self.buyers))]
        customer, billing, shipping = self._people(seller, index, buyer, options)
        code = rng.choice(tuple(SHIPPING_MODES))
        if shipping.relay_id:
            code = self._rng(seller, index, "relay-code").choice(tuple(RELAY_MODES))
        lines = self._lines(seller, slot, index, options, unknown)
        money_rng = self._rng(seller, index, "money")
        order = Order(
            number=number,
            seller_id=seller.seller_id,
            index=index,
            kind="malformed" if defect else "unknown_sku" if unknown else "valid",
            defect=defect,
            status="WaitingAcceptance",
            soap_state="WaitingForSellerAcceptation",
            supply_mode=self._supply_mode(seller, index, options),
            created=created,
            updated=max(now, created) if defect != "future_date" else now,
            customer=customer,
            billing=billing,
            shipping_address=shipping,
            shipping_code=code,
            shipping_label={**SHIPPING_MODES, **RELAY_MODES}[code],
            lines=lines,
            shipping_rule="order" if money_rng.random() < 0.05 else "lines",
            commission_rate=(
                money_rng.choice(COMMISSION_RATES) if money_rng.random() < 0.8 else None
            ),
            fees_in_total=money_rng.random() < 0.5,
        )
        self._commissions(order, money_rng)
        order.history.append((format_timestamp(order.created), "WaitingAcceptance"))
        if defect:
            apply_defect(order, defect)
        return order

    def _supply_mode(self, seller, index, options):
        draw = self._rng(seller, index, "supply").random()
        if draw < options.fulfilment_share:
            return "Fulfillment"
        if draw < options.fulfilment_share + options.xdock_share:
            return "Xdock"
        return "Seller"

    def _people(self, seller, index, buyer, options):
        rng = self._rng(seller, index, "people")
        civility = _CIVILITIES.get(buyer["civility"], "None")
        if civility == "MRS" and rng.random() < 0.15:
            civility = "MISS"
        if rng.random() < 0.03:
            civility = "None"
        first, last = buyer["firstname"], buyer["lastname"]
        mobile = (
            buyer["phone"] if buyer["phone"].startswith(("06", "07", "+32 4")) else None
        )
        phone = None if mobile else buyer["phone"]
        if rng.random() < 0.05:
            phone = mobile = None
        email = (
            f"{first}.{last}@example.com".lower().replace(" ", "")
            if rng.random() < 0.2
            else None
        )
        code = customer_code(buyer["customer_id"])
        encrypted = (
            f"{code[:12]}@relay.cdiscount.invalid" if rng.random() < 0.95 else None
        )
        customer = Customer(
            code, civility, first, last, email, encrypted, phone, mobile
        )
        billing = _address(rng, buyer["address"], civility, first, last)
        shipping = _address(rng, buyer["shipping_address"], civility, first, last)
        shipping.phone = mobile or phone
        if rng.random() < options.company_share:
            company = (buyer["organization"] or {}).get("name") or f"{last} SAS"
            billing.company = shipping.company = company
        if self._rng(seller, index, "relay").random() < options.relay_share:
            _relay(self._rng(seller, index, "relay-point"), shipping)
        return customer, billing, shipping

    def _lines(self, seller, slot, index, options, unknown):
        rng = self._rng(seller, index, "lines")
        count = rng.randint(2, 4) if rng.random() < options.multi_line_share else 1
        additional = (
            self._rng(seller, index, "additional").random()
            < options.additional_shipping_share
        )
        lines = []
        for number in range(1, count + 1):
            size = options.catalog_size or self.catalog_size
            product = self.product(options.catalog_start + rng.randrange(size))
            lines.append(self._line(rng, number, product, additional))
        if unknown:
            line = lines[rng.randrange(len(lines))]
            number = slot * 100_000 + index
            line.sku = catalog.unknown_sku(number)
            line.ean = catalog.unknown_ean(number)
            line.product_id = f"CDS{line.ean}"
            line.name = f"Article hors catalogue {index}"
        extra = self._rng(seller, index, "extra")
        if extra.random() < options.same_sku_share:
            twin = self._line(extra, len(lines) + 1, self.product(0), additional)
            first = lines[0]
            twin.sku, twin.ean, twin.product_id, twin.name = (
                first.sku,
                first.ean,
                first.product_id,
                first.name,
            )
            lines.append(twin)
        if extra.random() < options.fee_line_share:
            sku = extra.choice(tuple(FEE_SKUS))
            total = money(Decimal(extra.randrange(49, 999)) / 100)
            lines.append(
                Line(
                    str(len(lines) + 1),
                    len(lines) + 1,
                    sku,
                    sku,
                    None,
                    FEE_SKUS[sku],
                    "",
                    "New",
                    1,
                    total,
                    total,
                    ZERO,
                    ZERO,
                    "WaitingAcceptance",
                    "None",
                    fee=True,
                )
            )
        return lines

    @staticmethod
    def _line(rng, number, product, additional):
        quantity = rng.choices((1, 2, 3, 4, 5, 10), weights=(70, 15, 7, 4, 3, 1))[0]
        unit = Decimal(product["price"])
        draw = rng.random()
        if draw < 0.02:
            unit = money(Decimal(rng.randrange(1, 100)) / 100)  # 0.01 to 0.99
        elif draw < 0.03:
            unit = money(Decimal(rng.randrange(100_000, 999_999)) / 100)  # to 9999.99
        total = money(unit * quantity)
        if quantity > 1 and rng.random() < 0.05:
            total -= (
                Decimal(rng.choice([c for c in range(1, 10) if c % quantity])) / 100
            )
        shipping = Decimal(rng.choice(SHIPPING_PRICES))
        return Line(
            line_id=str(number),
            row_id=number,
            sku=product["sku"],
            product_id=f"MPH{product['ean']}",
            ean=product["ean"],
            name=product["name"],
            category=rng.choice(CATEGORIES),
            condition=rng.choice(CONDITIONS),
            quantity=quantity,
            total=total,
            unit_price=money(total / quantity),
            unit_shipping=shipping,
            additional_shipping=(
                Decimal(rng.choice(ADDITIONAL_PRICES))
                if additional and shipping
                else ZERO
            ),
            status="WaitingAcceptance",
            acceptation="None",
        )

    @staticmethod
    def _commissions(order, rng):
        if order.commission_rate is None:
            return
        for line in order.lines:
            if not line.fee and rng.random() < 0.7:
                line.commission = money(
                    (line.total + line.shipping) * order.commission_rate
                )

    # -- offers --------------------------------------------------------------------
    def offer(self, index, kind, defect, now, pair=None):
        """An offer on catalogue product ``index``; ``kind`` as in
        ``CdiscountStore.create_offers``; ``pair``: the other product of an
        ambiguous offer."""
        product = self.product(index)
        rng = random.Random(f"cdiscount-offer-{self.seed}-{index}")
        sku, ean = product["sku"], product["ean"]
        if kind == "unknown":
            sku, ean = (
                catalog.unknown_sku(900_000 + index),
                catalog.unknown_ean(900_000 + index),
            )
        elif kind == "ean_only":
            sku = catalog.unknown_sku(800_000 + index)
        elif kind == "ambiguous":
            ean = (pair or self.product(index + 1))["ean"]
        return Offer(
            sku=sku,
            product_id=f"MPH{product['ean']}",
            ean=ean,
            label=product["name"],
            price=Decimal(product["price"]),
            stock=rng.randrange(0, 30),
            created=now,
            updated=now,
            status="Active" if rng.random() < 0.9 else "Inactive",
            kind=kind,
            defect=defect,
            vat_rate=Decimal(product["tax_rate"]),
        )


def _address(rng, source, civility, first, last):
    """A buyer's address of the shared pool in one of the layouts Cdiscount
    sends: Street alone, Address1/Address2, or Street with Building and
    ApartmentNumber; the country as an ISO code or a name."""
    iso = source["country_iso2"]
    names = {"FR": ("FR", "France", "FRANCE"), "BE": ("BE", "Belgique", "BELGIQUE")}[
        iso
    ]
    country_text = rng.choices(names, weights=(80, 10, 10))[0]
    address = Address(
        civility, first, last, source["zip_code"], source["city"], iso, country_text
    )
    layout = rng.random()
    if layout < 0.6:
        address.street = source["street_1"]
        address.address2 = source.get("street_2")
    elif layout < 0.9:
        address.address1 = source["street_1"]
        address.address2 = source.get("street_2")
    else:
        address.street = source["street_1"]
        address.building = f"Bâtiment {rng.choice('ABCD')}"
        address.apartment = f"Appartement {rng.randint(1, 60)}"
    address.address3 = source.get("street_3")
    address.company = source.get("company")
    address.instructions = source.get("additional_info")
    return address


def _relay(rng, address):
    """Make ``address`` a pickup point's."""
    address.place_name = f"{rng.choice(RELAY_NAMES)} {rng.randint(1, 99)}"
    address.relay_id = f"{rng.randint(10_000, 99_999):05d}{rng.choice('ABCDEF')}"
    address.street = f"{rng.randint(1, 120)} place du Marché"
    address.address1 = address.address2 = address.building = address.apartment = None
    address.address3 = address.instructions = None


def apply_defect(order, defect):
    """Spoil ``order`` the way ``defect`` says (see ``DEFECTS``); the REST
    shape defects are rendered by ``cdiscount_rest``, their SOAP variant
    is set here."""
    line = order.lines[0]
    if defect in ("totals_mismatch", "amount_text"):
        order.total_error = Decimal("10.00")
    elif defect in ("zero_quantity", "quantity_text"):
        line.quantity = 0
    elif defect == "empty_sku":
        line.sku = ""
    elif defect == "empty_address":
        address = order.shipping_address
        address.zip_code = address.city = address.country = address.country_text = ""
    elif defect == "negative_price":
        line.total, line.unit_price = -line.total, -line.unit_price
    elif defect == "future_date":
        order.created = FUTURE + timedelta(minutes=order.index)
