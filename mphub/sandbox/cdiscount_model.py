"""The data model of the Cdiscount emulator: sellers, orders, offers, packages.

``cdiscount_store.CdiscountStore`` holds them (and re-exports these names).
One store for both API generations: the Octopia REST API
(``cdiscount_rest``) and the legacy SOAP API (``cdiscount_soap``) are two
renderings of the same orders. Plain data and the state machine, no HTTP.

An order holds what both renderings need (civility, Street vs Address1/2,
Building/ApartmentNumber/PlaceName, relay points, Email nil with an
EncryptedEmail, the fulfilment flags, initial/validated/shipped totals,
promised/validated commissions...), its REST ``status`` and SOAP
``soap_state`` side by side, and its lines' REST ``status`` and SOAP
``acceptation``. Amounts are ``Decimal``, tax included, EUR; dates aware
UTC ``datetime`` (renderings write SOAP dates in Paris time, without zone).

Errors of the state machine are ``StoreError(code, message)``, ``code`` in
the SOAP ``ErrorTypeEnum`` vocabulary (``OrderStateIncoherent``...); the REST
rendering turns them into problem details (409, 400, 404).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from .server import format_timestamp

PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SALES_CHANNEL = "CDISFR"

# REST status -> (default SOAP OrderState, REST line status, SOAP line
# AcceptationState); the line values apply to lines not refused/cancelled
STATES = {
    "Processing": ("None", "Processing", "None"),
    "WaitingAcceptance": ("WaitingForSellerAcceptation", "WaitingAcceptance", "None"),
    "Accepted": ("AcceptedBySeller", "Accepted", "AcceptedBySeller"),
    "InPreparation": ("WaitingForShipmentAcceptation", "Accepted", "AcceptedBySeller"),
    "Shipped": ("Shipped", "Shipped", "ShippedBySeller"),
    "Delivered": ("Shipped", "Shipped", "ShippedBySeller"),
    "Refused": ("RefusedBySeller", "Refused", "RefusedBySeller"),
    "Cancelled": (
        "CancelledByCustomer",
        "Cancelled",
        "CancelledBeforePaymentByCustomer",
    ),
}
# the other SOAP OrderStates a REST status may show (see the spec's table)
SOAP_VARIANTS = {
    "Processing": ("None", "BeingValidatedFianet", "ValidatedFianet"),
    "Accepted": ("AcceptedBySeller", "PaymentInProgress"),
    "Delivered": ("Shipped", "PickedUp"),
    "Cancelled": ("CancelledByCustomer", "AutomaticCancellation", "PaymentRefused"),
}
# rare states of no table (unknown_state_share): REST status -> SOAP state
RARE_STATES = {
    "AwaitingCustomerPickup": "AvailableOnStore",
    "Blocked": "BlockedWaitingForTreatment",
}
REST_STATUSES = (*STATES, *RARE_STATES)
BEFORE_ACCEPTANCE = ("Processing", "WaitingAcceptance")
SHIPPED_STATUSES = ("Shipped", "Delivered", "AwaitingCustomerPickup")
DEAD_LINE_STATUSES = ("Refused", "Cancelled")
# SOAP Status (OrderStatusType) of a REST status
SOAP_STATUS = {
    "Processing": "Waiting",
    "WaitingAcceptance": "Waiting",
    "Accepted": "Validated",
    "InPreparation": "Validated",
    "Shipped": "Validated",
    "Delivered": "Completed",
    "Refused": "Cancelled",
    "Cancelled": "Cancelled",
}
# mixed states (state="mixed"): weights across the table
MIXED_WEIGHTS = {
    "WaitingAcceptance": 30,
    "Accepted": 10,
    "InPreparation": 20,
    "Shipped": 15,
    "Delivered": 10,
    "Refused": 5,
    "Cancelled": 5,
    "Processing": 5,
}
SUPPLY_MODES = ("Seller", "Fulfillment", "Xdock")
# SOAP ModGesLog of each supply mode (IsCLogistiqueOrder: Fulfillment only)
MOD_GES_LOG = {"Seller": "MKPCDS", "Fulfillment": "MKPFBC", "Xdock": "MKPXDK"}
CORPORATION = {"code": "CDSB2C", "name": "Cdiscount", "id": 1, "business_unit": 1}
# Cdiscount's pseudo-lines (financing, fees): SKUs of no product
FEE_SKUS = {
    "INTERETBCA": "Intérêts paiement en plusieurs fois",
    "FRAISTRAITEMENT": "Frais de traitement",
}
# shipping code -> label; the relay ones deliver to a pickup point
SHIPPING_MODES = {"STD": "Standard", "TRK": "Suivi", "EXP": "Express"}
RELAY_MODES = {
    "REL": "Point Retrait",
    "RCO": "Relais Colis",
    "SO1": "Colissimo Point Retrait",
}
RELAY_NAMES = (
    "Tabac Presse Le Central",
    "Carrefour City",
    "Pressing du Marché",
    "Librairie des Arts",
    "Fleuriste Iris",
)
CATEGORIES = ("07060A", "0R0A01", "10040B", "11030C", "050702", "1H0601")
CONDITIONS = ("New",) * 18 + ("LikeNew", "GoodState")
SHIPPING_PRICES = ("0.00", "2.99", "4.99", "5.90", "6.99", "9.90")
ADDITIONAL_PRICES = ("0.50", "1.00", "1.99", "2.50")
COMMISSION_RATES = (Decimal("0.12"), Decimal("0.15"))
# carriers of REST GET /carriers and SOAP GetGlobalConfiguration:
# (CarrierId, code, name, tracking URL)
CARRIERS = (
    (
        1,
        "COL",
        "Colissimo",
        "https://www.laposte.fr/outils/suivre-vos-envois?code={parcel}",
    ),
    (
        2,
        "CHR",
        "Chronopost",
        "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={parcel}",
    ),
    (
        3,
        "MON",
        "Mondial Relay",
        "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={parcel}",
    ),
    (4, "DPD", "DPD", "https://trace.dpd.fr/fr/trace/{parcel}"),
    (5, "GLS", "GLS", "https://gls-group.com/FR/fr/suivi-colis?match={parcel}"),
    (6, "UPS", "UPS", "https://www.ups.com/track?tracknum={parcel}"),
    (
        7,
        "RCO",
        "Relais Colis",
        "https://www.relaiscolis.com/suivi-de-colis/?numero={parcel}",
    ),
)
# malformed orders: defect -> what the SOAP rendering shows (schema-valid);
# the REST-only shape defects (text amounts) become semantic ones in SOAP
DEFECTS = {
    "totals_mismatch": "totals_mismatch",  # order total 10.00 above lines+shipping
    "zero_quantity": "zero_quantity",  # Quantity 0 on an active line
    "empty_sku": "empty_sku",  # SellerProductId ""
    "empty_address": "empty_address",  # shipping ZipCode, City, Country ""
    "negative_price": "negative_price",  # a line total below zero
    "future_date": "future_date",  # created in 2099
    "no_lines": "no_lines",  # REST: no "lines"; SOAP: OrderLineList nil
    "amount_text": "totals_mismatch",  # REST totalPrice "abc"
    "quantity_text": "zero_quantity",  # REST line quantity "two"
}
# package states (REST); SOAP shows PackageIntegrationStatus
PACKAGE_STEPS = ("WaitingForCompletion", "Ready", "IntegrationPending")
PACKAGE_DONE = ("Integrated", "PartiallyIntegrated", "Rejected")
SOAP_PACKAGE_STATUS = {
    "WaitingForCompletion": "Pending",
    "Ready": "Pending",
    "IntegrationPending": "Pending",
    "Integrated": "Integrated",
    "PartiallyIntegrated": "PartiallyIntegrated",
    "Rejected": "Rejected",
}
MAX_PRICE = Decimal(100000)
OFFER_DEFECTS = ("no_sku", "price_text")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def money(value):
    """Round half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class StoreError(Exception):
    """A refused action: ``code`` from the SOAP ErrorTypeEnum
    (``OrderNotFound``, ``OrderStateIncoherent``, ``OrderLineNotFound``,
    ``OrderLineIncoherentState``, ``MissingField``, ``InvalidRequest``)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(eq=False)
class Seller:
    """A seller account: REST client credentials, SOAP login, its data."""

    seller_id: int
    name: str
    client_id: str
    client_secret: str
    login: str
    password: str
    orders: dict = field(default_factory=dict)  # order number -> Order
    offers: dict = field(default_factory=dict)  # seller SKU -> Offer
    next_index: int = 1
    malformed_count: int = 0


@dataclass(eq=False)
class Address:
    """A billing or shipping address; ``street`` or ``address1`` holds the
    first line (SOAP Street vs Address1), ``country`` is ISO alpha-2 and
    ``country_text`` what SOAP's free-text Country shows ("FR", "France")."""

    civility: str  # MR, MRS, MISS or "None"
    first_name: str
    last_name: str
    zip_code: str
    city: str
    country: str
    country_text: str
    street: str = None
    address1: str = None
    address2: str = None
    address3: str = None
    building: str = None
    apartment: str = None
    place_name: str = None  # the relay point's name
    relay_id: str = None
    company: str = None
    county: str = None
    instructions: str = None
    phone: str = None


@dataclass(eq=False)
class Customer:
    customer_id: str
    civility: str
    first_name: str
    last_name: str
    email: str = None  # SOAP Email (nil for most)
    encrypted_email: str = None  # the relay address of Cdiscount
    phone: str = None
    mobile: str = None


@dataclass(eq=False)
class Line:
    """An order line: ``total`` is the line total (SOAP PurchasePrice, REST
    totalSalesPrice); ``unit_price`` the REST unitSalesPrice (rounded)."""

    line_id: str  # REST orderLineId, "1".. (SOAP RowId is the same number)
    row_id: int
    sku: str  # SellerProductId
    product_id: str  # Cdiscount's Sku / productId
    ean: str  # None for fee lines
    name: str
    category: str
    condition: str
    quantity: int
    total: Decimal
    unit_price: Decimal
    unit_shipping: Decimal
    additional_shipping: Decimal
    status: str  # REST line status
    acceptation: str  # SOAP AcceptationState
    commission: Decimal = None
    fee: bool = False  # a pseudo-line (FEE_SKUS)

    @property
    def shipping(self):
        """UnitShippingCharges + UnitAdditionalShippingCharges x (qty - 1)."""
        extra = self.additional_shipping * max(self.quantity - 1, 0)
        return money(self.unit_shipping + extra)

    @property
    def active(self):
        return self.status not in DEAD_LINE_STATUSES


@dataclass(eq=False)
class Shipment:
    shipment_id: str
    parcel_number: str
    carrier_name: str
    tracking_url: str
    line_ids: list
    created: datetime


@dataclass(eq=False)
class Order:
    """An order as the store knows it (see the module docstring)."""

    number: str
    seller_id: int
    index: int
    kind: str  # "valid", "unknown_sku" or "malformed"
    defect: str  # a key of DEFECTS, or None
    status: str  # REST status
    soap_state: str  # SOAP OrderState
    supply_mode: str
    created: datetime
    updated: datetime
    customer: Customer
    billing: Address
    shipping_address: Address
    shipping_code: str
    shipping_label: str
    lines: list
    # "lines": the order's shipping is the lines' sum; "order": charged once
    # (the largest line's), so the lines' figures do not add up to it
    shipping_rule: str = "lines"
    commission_rate: Decimal = None  # None: no commission given
    fees_in_total: bool = True
    total_error: Decimal = ZERO  # the totals_mismatch defect
    accepted_at: datetime = None
    paid_at: datetime = None  # InPreparation
    shipped_at: datetime = None
    delivered_at: datetime = None
    payment_due: datetime = None
    shipments: list = field(default_factory=list)
    decisions: dict = field(default_factory=dict)  # line id -> accepted
    history: list = field(default_factory=list)  # (timestamp, status)
    cache: dict = field(default_factory=dict)  # renderings, cleared on change

    # -- facts the renderings share -----------------------------------------
    @property
    def soap_defect(self):
        return DEFECTS.get(self.defect) if self.defect else None

    @property
    def fulfilment(self):
        """SOAP IsCLogistiqueOrder: delivered from a Cdiscount warehouse."""
        return self.supply_mode == "Fulfillment"

    @property
    def mod_ges_log(self):
        return MOD_GES_LOG[self.supply_mode]

    @property
    def soap_status(self):
        """SOAP ``Status`` (OrderStatusType)."""
        return SOAP_STATUS.get(self.status, "Waiting")

    @property
    def relay(self):
        return self.shipping_code in RELAY_MODES

    @property
    def accepted(self):
        """Past the seller's acceptance (Validated totals are filled)."""
        return self.status not in BEFORE_ACCEPTANCE

    @property
    def acceptance_deadline(self):
        return self.created + timedelta(days=2)

    @property
    def shipping_date_min(self):
        return self.created + timedelta(days=1)

    @property
    def shipping_date_max(self):
        return self.created + timedelta(days=3)

    @property
    def delivery_date_min(self):
        return self.created + timedelta(days=3)

    @property
    def delivery_date_max(self):
        return self.created + timedelta(days=6)

    def line(self, line_id):
        for line in self.lines:
            if line.line_id == str(line_id):
                return line
        return None

    # -- amounts ---------------------------------------------------------------
    def _shipping(self, lines):
        figures = [line.shipping for line in lines if not line.fee]
        if not figures:
            return ZERO
        if self.shipping_rule == "order":
            return max(figures)
        return money(sum(figures, ZERO))

    def _goods(self, lines):
        total = sum((line.total for line in lines if not line.fee), ZERO)
        if self.fees_in_total:
            total += sum((line.total for line in lines if line.fee), ZERO)
        return total

    def active_lines(self):
        return [line for line in self.lines if line.active]

    @property
    def initial_shipping(self):
        """InitialTotalShippingChargesAmount: every line, refused ones too."""
        return self._shipping(self.lines)

    @property
    def initial_total(self):
        """InitialTotalAmount: every line and their shipping."""
        return money(self._goods(self.lines) + self.initial_shipping + self.total_error)

    @property
    def active_shipping(self):
        return self._shipping(self.active_lines())

    @property
    def active_total(self):
        """What the buyer pays for the active lines (REST totalPrice)."""
        lines = self.active_lines()
        return money(self._goods(lines) + self._shipping(lines) + self.total_error)

    @property
    def validated_shipping(self):
        """ValidatedTotalShippingCharges: 0.00 before the acceptance."""
        return self.active_shipping if self.accepted else ZERO

    @property
    def validated_total(self):
        return self.active_total if self.accepted else ZERO

    @property
    def shipped_shipping(self):
        shipped = [line for line in self.lines if line.status == "Shipped"]
        return self._shipping(shipped)

    @property
    def shipped_total(self):
        shipped = [line for line in self.lines if line.status == "Shipped"]
        return money(self._goods(shipped) + self._shipping(shipped))

    @property
    def expected_total(self):
        """What the Odoo sale order must equal: the active product lines
        and their shipping (fees and defects left out)."""
        lines = [line for line in self.active_lines() if not line.fee]
        return money(sum((line.total for line in lines), ZERO) + self._shipping(lines))

    def _commission(self, lines):
        if self.commission_rate is None:
            return None
        base = sum((line.total + line.shipping for line in lines if not line.fee), ZERO)
        return money(base * self.commission_rate)

    @property
    def commission_promised(self):
        """SiteCommissionPromisedAmount (None: not given)."""
        return self._commission(self.lines)

    @property
    def commission_validated(self):
        """SiteCommissionValidatedAmount: once accepted."""
        return self._commission(self.active_lines()) if self.accepted else None

    @property
    def commission_shipped(self):
        if self.status not in SHIPPED_STATUSES:
            return None
        return self._commission(
            [line for line in self.lines if line.status == "Shipped"]
        )

    @property
    def commission(self):
        """The commission a client should read: validated, else promised."""
        validated = self.commission_validated
        return validated if validated is not None else self.commission_promised

    # -- changes -----------------------------------------------------------------
    def touch(self, moment):
        self.updated = max(self.updated, moment)
        self.cache.clear()

    def set_status(self, status, moment, soap_state=None):
        """Move the order to the REST ``status`` (SOAP ``soap_state``, or the
        status's default), its live lines with it; dates of skipped steps
        become ``moment``."""
        if status not in REST_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        if status in RARE_STATES:
            default, line_status, acceptation = RARE_STATES[status], None, None
        else:
            default, line_status, acceptation = STATES[status]
        if status == "Delivered" and self.relay and soap_state is None:
            default = "PickedUp"
        self.status = status
        self.soap_state = soap_state or default
        for line in self.lines:
            if line.active and line_status:
                line.status, line.acceptation = line_status, acceptation
                if status == "Cancelled" and self.accepted_at:
                    line.acceptation = "CancelledAfterPaymentByCustomer"
        self._stamp(status, moment)
        self.history.append((format_timestamp(moment), status))
        self.touch(moment)

    def _stamp(self, status, moment):
        if status in BEFORE_ACCEPTANCE:
            return
        if status != "Cancelled" or self.accepted_at:
            self.accepted_at = self.accepted_at or moment
        if status in ("InPreparation", *SHIPPED_STATUSES):
            self.paid_at = self.paid_at or moment
        if status in SHIPPED_STATUSES:
            self.shipped_at = self.shipped_at or moment
        if status == "Delivered":
            self.delivered_at = self.delivered_at or moment


@dataclass(eq=False)
class Offer:
    """An offer of a seller. ``defect``: one of OFFER_DEFECTS (REST: no
    sellerProductId / price "abc"; SOAP: SellerProductId nil / Price 0)."""

    sku: str
    product_id: str
    ean: str
    label: str
    price: Decimal
    stock: int
    created: datetime
    updated: datetime
    condition: str = "New"
    status: str = "Active"  # REST; SOAP OfferState Active / Inactive
    kind: str = "valid"  # valid, unknown, ambiguous, ean_only, malformed, api
    defect: str = None
    shipping_charges: Decimal = Decimal("4.99")
    vat_rate: Decimal = Decimal("20.0")


@dataclass(eq=False)
class Package:
    """An offer package (REST offer-packages or SOAP SubmitOfferPackage).

    ``rows``: the offers submitted, dicts with ``sku``, ``ean``, ``price``
    (Decimal or None), ``stock`` (int or None); ``results`` (once done): per
    row ``{"sku", "ean", "status": "Integrated"|"Rejected", "errors":
    [{"code", "message"}]}``."""

    package_id: str  # REST: a UUID
    number: int  # SOAP PackageId (long)
    seller_id: int
    generation: str  # "rest" or "soap"
    package_type: str
    rows: list
    created: datetime
    status: str = "WaitingForCompletion"
    polls: int = 0
    results: list = None
    name: str = None
    url: str = None  # SOAP: the ZipFileFullPath downloaded

    @property
    def done(self):
        return self.status in PACKAGE_DONE

    @property
    def soap_status(self):
        return SOAP_PACKAGE_STATUS[self.status]

    @property
    def error_count(self):
        return sum(1 for result in self.results or () if result["status"] == "Rejected")


def order_letters(slot, index):
    """Five letters, unique per (seller slot, index) (a bijection modulo
    26**5 scrambles them)."""
    value = ((slot * 1_000_003 + index) * 7_654_321) % 26**5
    letters = []
    for _position in range(5):
        value, rest = divmod(value, 26)
        letters.append(_LETTERS[rest])
    return "".join(letters)


def customer_code(text):
    return hashlib.sha256(text.encode()).hexdigest()[:24]
