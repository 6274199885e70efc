"""The store of the Cdiscount emulator: one order store per seller, read by
both API generations, with the order state machine, the offers and the offer
packages. No HTTP (``cdiscount_rest`` and ``cdiscount_soap`` serve it).

The data model is ``cdiscount_model`` (re-exported here), the generated data
``cdiscount_data``. Every method that reads or changes the store takes the
emulator's lock (an ``RLock``: renderings may hold it around several calls).

State machine (REST status / SOAP OrderState, see ``cdiscount_model.STATES``):
``decide`` accepts or refuses lines of a WaitingAcceptance order (all
refused: Refused; some accepted: Accepted, then InPreparation once paid,
``payment_delay_seconds`` later, evaluated when read); ``ship`` ships lines
of an InPreparation, seller-fulfilled order (every live line shipped:
Shipped); ``set_order_state`` is the marketplace's (or a test's) transition.
Refused actions raise ``StoreError``.
"""

import random
from datetime import datetime, timedelta, timezone

from . import catalog
from .cdiscount_data import Generator, Options
from .cdiscount_model import (  # noqa: F401 (re-exported)
    CARRIERS,
    CORPORATION,
    DEFECTS,
    FEE_SKUS,
    MAX_PRICE,
    MIXED_WEIGHTS,
    MOD_GES_LOG,
    OFFER_DEFECTS,
    PACKAGE_DONE,
    PACKAGE_STEPS,
    PARIS,
    RARE_STATES,
    REST_STATUSES,
    SALES_CHANNEL,
    SHIPPED_STATUSES,
    SOAP_PACKAGE_STATUS,
    SOAP_VARIANTS,
    STATES,
    SUPPLY_MODES,
    Address,
    Customer,
    Line,
    Offer,
    Order,
    Package,
    Seller,
    Shipment,
    StoreError,
    money,
)
from .cdiscount_offers import OfferPackagesMixin, check_share
from .server import format_timestamp

# seller id, name, REST client id / secret, SOAP login / password
DEFAULT_SELLERS = (
    (
        98979,
        "Sandbox Cdiscount",
        "sandbox-cdiscount-client",
        "sandbox-cdiscount-secret",
        "sandbox-cdiscount-api",
        "sandbox-cdiscount-password",
    ),
    (
        98980,
        "Sandbox Cdiscount 2",
        "sandbox-cdiscount2-client",
        "sandbox-cdiscount2-secret",
        "sandbox-cdiscount2-api",
        "sandbox-cdiscount2-password",
    ),
)


def _moment(value):
    """An aware datetime of ``value`` (a datetime or ISO text, naive: UTC),
    or None."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class CdiscountStore(OfferPackagesMixin):
    """Sellers with their orders, offers and packages (module docstring).

    ``clock``: the emulator's ``Clock`` (every date comes from it);
    ``lock``: the emulator's lock.
    """

    def __init__(
        self,
        seed,
        clock,
        lock,
        catalog_size=60,
        sellers=DEFAULT_SELLERS,
        payment_delay_seconds=0,
        package_polls=1,
    ):
        self.seed = seed
        self.clock = clock
        self.lock = lock
        self.catalog_size = max(int(catalog_size), 1)
        self.seller_specs = tuple(tuple(spec) for spec in sellers)
        self.payment_delay = timedelta(seconds=float(payment_delay_seconds))
        self.package_polls = int(package_polls)
        self.reset()

    def reset(self):
        with self.lock:
            self.sellers = {spec[0]: Seller(*spec) for spec in self.seller_specs}
            self.slots = {seller_id: n for n, seller_id in enumerate(self.sellers)}
            self.products = catalog.products(self.seed, self.catalog_size)
            self.generator = Generator(self.seed, self.products, self.catalog_size)
            self.packages = {}  # package id (str) and number (int) -> Package
            self.next_package = 1001

    # -- sellers -----------------------------------------------------------------
    def seller(self, seller_id):
        """The seller ``seller_id`` (``ValueError`` if there is none)."""
        try:
            return self.sellers[int(seller_id)]
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"unknown seller {seller_id!r}") from err

    def seller_by(self, attribute, value):
        """The seller whose ``attribute`` (client_id, login) is ``value``,
        or None."""
        for seller in self.sellers.values():
            if getattr(seller, attribute) == value:
                return seller
        return None

    # -- orders ------------------------------------------------------------------
    def create_orders(
        self,
        seller_id,
        count,
        *,
        unknown_sku_share=0.0,
        malformed_share=0.0,
        refused_line_share=0.0,
        unknown_state_share=0.0,
        state=None,
        created=None,
        catalog_start=0,
        catalog_size=None,
        **shares,
    ):
        """Create ``count`` orders of a seller, return their numbers.

        Exactly ``round(count * unknown_sku_share)`` orders get one line of
        an unknown SKU and ``round(count * malformed_share)`` others one
        defect (``DEFECTS`` in turn), chosen reproducibly. ``shares``: the
        variety of ``cdiscount_data.Options`` (``fulfilment_share``,
        ``relay_share``, ``company_share``, ``multi_line_share``,
        ``additional_shipping_share``, ``xdock_share``, ``fee_line_share``,
        ``same_sku_share``), drawn order by order. ``refused_line_share``:
        orders with several lines accepted with their last line refused;
        ``unknown_state_share``: orders in a rare state of no table
        (``RARE_STATES``). ``state``: a REST status for every order, or
        "mixed" (drawn across the table, ``MIXED_WEIGHTS``); default:
        WaitingAcceptance, and fulfilment orders InPreparation or Shipped
        (Cdiscount ships them). ``created``: their creation date (default
        now). ``catalog_start``, ``catalog_size``: the catalogue range the
        products are drawn from (default: the store's first products).
        ``ValueError`` on bad arguments.
        """
        seller = self.seller(seller_id)
        count = int(count)
        options = Options(**{key: check_share(v, key) for key, v in shares.items()})
        options.catalog_start = int(catalog_start)
        options.catalog_size = int(catalog_size) if catalog_size else None
        last = options.catalog_start + (options.catalog_size or self.catalog_size) - 1
        if options.catalog_start < 0 or last > catalog.MAX_INDEX:
            raise ValueError(f"catalogue range out of 0..{catalog.MAX_INDEX}")
        n_unknown = round(count * check_share(unknown_sku_share, "unknown_sku_share"))
        n_malformed = round(count * check_share(malformed_share, "malformed_share"))
        refused = check_share(refused_line_share, "refused_line_share")
        rare = check_share(unknown_state_share, "unknown_state_share")
        if state not in (None, "mixed", *REST_STATUSES):
            raise ValueError(f"unknown order status {state!r}")
        if count < 0 or n_unknown + n_malformed > count:
            raise ValueError("count >= 0 and shares adding up to 1 at most required")
        created = _moment(created)
        with self.lock:
            start = seller.next_index
            picker = random.Random(
                f"cdiscount-batch-{self.seed}-{seller.seller_id}-{start}"
            )
            chosen = picker.sample(range(count), n_unknown + n_malformed)
            kinds = dict.fromkeys(chosen[:n_unknown], "unknown")
            kinds.update(dict.fromkeys(chosen[n_unknown:], "malformed"))
            numbers = []
            for offset in range(count):
                order = self._new_order(
                    seller, start + offset, kinds.get(offset), options, created
                )
                self._initial_state(order, state, refused, rare)
                seller.orders[order.number] = order
                numbers.append(order.number)
            seller.next_index = start + count
        return numbers

    def _new_order(self, seller, index, kind, options, created):
        defect = None
        if kind == "malformed":
            defect = tuple(DEFECTS)[seller.malformed_count % len(DEFECTS)]
            seller.malformed_count += 1
        return self.generator.order(
            seller,
            self.slots[seller.seller_id],
            index,
            options,
            self.clock.now(),
            unknown=kind == "unknown",
            defect=defect,
            created=created,
        )

    def _initial_state(self, order, state, refused_share, rare_share):
        rng = random.Random(
            f"cdiscount-state-{self.seed}-{order.seller_id}-{order.index}"
        )
        status = state
        if state == "mixed":
            status = rng.choices(tuple(MIXED_WEIGHTS), tuple(MIXED_WEIGHTS.values()))[0]
        elif state is None:
            status = "WaitingAcceptance"
            if order.fulfilment:
                status = rng.choice(("InPreparation", "InPreparation", "Shipped"))
        if order.fulfilment and status in (
            "Processing",
            "WaitingAcceptance",
            "Accepted",
        ):
            status = "InPreparation"
        products = [line for line in order.lines if not line.fee]
        partial = (
            rng.random() < refused_share
            and len(products) > 1
            and status not in ("Refused", "Cancelled")
        )
        if rng.random() < rare_share:
            status = rng.choice(tuple(RARE_STATES))
        if partial:
            status = (
                "InPreparation"
                if status in ("Processing", "WaitingAcceptance")
                else status
            )
            decisions = {line.line_id: True for line in order.lines}
            decisions[products[-1].line_id] = False
            self.decide(order, decisions, check=False)
        if status == "WaitingAcceptance":
            return
        variants = SOAP_VARIANTS.get(status)
        soap_state = (
            rng.choice(variants) if variants and status != "Delivered" else None
        )
        self.force_state(order, status, order.updated, soap_state)

    def orders(self, seller):
        """The seller's orders (creation order), their payment settled."""
        with self.lock:
            for order in seller.orders.values():
                self.refresh(order)
            return list(seller.orders.values())

    def find_order(self, number, seller=None):
        """The order ``number`` (of ``seller`` if given), settled; raises
        ``StoreError("OrderNotFound")``."""
        with self.lock:
            for candidate in [seller] if seller else self.sellers.values():
                order = candidate.orders.get(str(number))
                if order:
                    self.refresh(order)
                    return order
        raise StoreError("OrderNotFound", f"Order {number} not found")

    def refresh(self, order):
        """The lazy clock of the payment: an accepted order goes to
        InPreparation ``payment_delay_seconds`` after its acceptance."""
        if order.status != "Accepted" or order.payment_due is None:
            return
        if not self.payment_delay or datetime.now(timezone.utc) >= order.payment_due:
            moment = max(order.payment_due, order.updated)
            order.payment_due = None
            order.set_status("InPreparation", moment)

    def force_state(self, order, status, moment=None, soap_state=None):
        """A transition decided by the marketplace (or a test): any REST
        status (and SOAP state); shipped states get a parcel when the order
        has none."""
        with self.lock:
            moment = moment or self.clock.now()
            if status not in (
                "Processing",
                "WaitingAcceptance",
                "Refused",
                "Cancelled",
            ):
                for line in order.active_lines():
                    order.decisions.setdefault(line.line_id, True)
            order.payment_due = None
            order.set_status(status, moment, soap_state)
            if status in SHIPPED_STATUSES and not order.shipments:
                live = [line.line_id for line in order.active_lines() if not line.fee]
                parcel = f"6A{order.index:011d}"
                carrier = CARRIERS[0]
                order.shipments.append(
                    Shipment(
                        f"SHP-{order.number}-1",
                        parcel,
                        carrier[2] if not order.fulfilment else "Cdiscount Logistique",
                        carrier[3].format(parcel=parcel),
                        live,
                        moment,
                    )
                )

    def set_order_state(self, number, status, soap_state=None):
        """Force the order ``number`` to the REST ``status``."""
        if status not in REST_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        with self.lock:
            try:
                order = self.find_order(number)
            except StoreError as err:
                raise ValueError(err.message) from err
            self.force_state(order, status, self.clock.now(), soap_state)
            return order

    def decide(self, order, decisions, check=True):
        """Accept (True) or refuse (False) lines of a WaitingAcceptance
        order: ``decisions`` line id -> bool. Lines left undecided keep
        waiting; once every line is decided the order is Accepted (some
        accepted) or Refused (none)."""
        with self.lock:
            if check and order.status != "WaitingAcceptance":
                raise StoreError(
                    "OrderStateIncoherent",
                    f"Order {order.number} cannot be accepted or refused: "
                    f"the order status is {order.status}",
                )
            for line_id in decisions:
                line = order.line(line_id)
                if line is None:
                    raise StoreError(
                        "OrderLineNotFound",
                        f"Line {line_id} is not a line of order {order.number}",
                    )
                if check and line_id in order.decisions:
                    raise StoreError(
                        "OrderLineIncoherentState",
                        f"Line {line_id} of order {order.number} is already "
                        f"{line.status}",
                    )
            moment = self.clock.now()
            for line_id, accepted in decisions.items():
                order.decisions[str(line_id)] = bool(accepted)
                if not accepted:
                    line = order.line(line_id)
                    line.status, line.acceptation = "Refused", "RefusedBySeller"
            order.touch(moment)
            if len(order.decisions) < len(order.lines):
                return
            if any(order.decisions.values()):
                order.set_status("Accepted", moment)
                order.payment_due = moment + self.payment_delay
                self.refresh(order)
            else:
                order.set_status("Refused", moment)

    def ship(self, order, parcels):
        """Ship lines of an InPreparation seller order: ``parcels`` dicts
        with ``parcel_number``, ``carrier_name``, ``tracking_url`` and
        ``line_ids``; returns the new ``Shipment``s."""
        with self.lock:
            self._check_shippable(order)
            if not parcels:
                raise StoreError("InvalidRequest", "No parcel given")
            wanted = []
            for parcel in parcels:
                if not parcel.get("parcel_number"):
                    raise StoreError("MissingField", "A parcel number is required")
                if not parcel.get("carrier_name"):
                    raise StoreError("MissingField", "A carrier name is required")
                if not parcel.get("line_ids"):
                    raise StoreError("MissingField", "A parcel needs order line ids")
                for line_id in parcel["line_ids"]:
                    self._check_line_to_ship(order, str(line_id), wanted)
                    wanted.append(str(line_id))
            moment = self.clock.now()
            shipments = []
            for parcel in parcels:
                shipment = Shipment(
                    f"SHP-{order.number}-{len(order.shipments) + 1}",
                    str(parcel["parcel_number"]),
                    str(parcel["carrier_name"]),
                    parcel.get("tracking_url"),
                    [str(line_id) for line_id in parcel["line_ids"]],
                    moment,
                )
                order.shipments.append(shipment)
                shipments.append(shipment)
                for line_id in shipment.line_ids:
                    line = order.line(line_id)
                    line.status, line.acceptation = "Shipped", "ShippedBySeller"
            order.touch(moment)
            if all(
                line.status == "Shipped"
                for line in order.active_lines()
                if not line.fee
            ):
                order.set_status("Shipped", moment)
            return shipments

    def ship_order(self, order, parcel_number, carrier_name, tracking_url=None):
        """Ship every live line left (SOAP ValidateOrderList Shipped)."""
        with self.lock:
            self._check_shippable(order)
            line_ids = [
                line.line_id
                for line in order.active_lines()
                if not line.fee and line.status != "Shipped"
            ]
            parcel = {
                "parcel_number": parcel_number,
                "carrier_name": carrier_name,
                "tracking_url": tracking_url,
                "line_ids": line_ids,
            }
            return self.ship(order, [parcel])

    @staticmethod
    def _check_shippable(order):
        if order.supply_mode == "Fulfillment":
            raise StoreError(
                "OrderStateIncoherent",
                f"Order {order.number} is a fulfilment order shipped by "
                f"Cdiscount: the order status is {order.status}",
            )
        if order.status != "InPreparation":
            raise StoreError(
                "OrderStateIncoherent",
                f"Order {order.number} cannot be shipped: the order status is "
                f"{order.status}",
            )

    @staticmethod
    def _check_line_to_ship(order, line_id, wanted):
        line = order.line(line_id)
        if line is None:
            raise StoreError(
                "OrderLineNotFound",
                f"Line {line_id} is not a line of order {order.number}",
            )
        if line.fee:
            raise StoreError(
                "OrderLineIncoherentState",
                f"Line {line_id} of order {order.number} is a fee line "
                f"({line.sku}): it is not shipped",
            )
        if not line.active or line.status == "Shipped" or line_id in wanted:
            raise StoreError(
                "OrderLineIncoherentState",
                f"Line {line_id} of order {order.number} cannot be shipped: "
                f"its status is {line.status}",
            )

    def shipments(self, number):
        """The shipments of an order, JSON-ready."""
        with self.lock:
            return [_shipment_record(s) for s in self.find_order(number).shipments]

    def order_record(self, number):
        """The internal record of an order, JSON-ready (for tests): ``kind``,
        ``defect``, ``total`` (what the Odoo sale order must equal)..."""
        with self.lock:
            order = self.find_order(number)
            commission = order.commission
            return {
                "order_number": order.number,
                "seller_id": order.seller_id,
                "kind": order.kind,
                "defect": order.defect,
                "soap_defect": order.soap_defect,
                "status": order.status,
                "soap_state": order.soap_state,
                "supply_mode": order.supply_mode,
                "created": format_timestamp(order.created),
                "updated": format_timestamp(order.updated),
                "total": str(order.expected_total),
                "shipping_total": str(order.active_shipping),
                "marketplace_total": str(order.active_total),
                "commission": None if commission is None else str(commission),
                "shipping_code": order.shipping_code,
                "relay": order.relay,
                "company": order.billing.company,
                "fees": [
                    {"sku": line.sku, "amount": str(line.total)}
                    for line in order.lines
                    if line.fee
                ],
                "fees_in_total": order.fees_in_total,
                "lines": [_line_record(line) for line in order.lines],
                "shipments": [_shipment_record(s) for s in order.shipments],
                "decision": dict(order.decisions),
                "history": [[str(when), status] for when, status in order.history],
            }

    @staticmethod
    def carriers():
        """The carriers: ``{"id", "code", "name", "tracking_url"}``."""
        return [
            {"id": cid, "code": code, "name": name, "tracking_url": url}
            for cid, code, name, url in CARRIERS
        ]


def _line_record(line):
    return {
        "line_id": line.line_id,
        "row_id": line.row_id,
        "sku": line.sku,
        "ean": line.ean,
        "quantity": line.quantity,
        "line_total": str(line.total),
        "shipping": str(line.shipping),
        "state": line.status,
        "soap_state": line.acceptation,
        "active": line.active,
        "fee": line.fee,
    }


def _shipment_record(shipment):
    return {
        "shipment_id": shipment.shipment_id,
        "parcel_number": shipment.parcel_number,
        "carrier_name": shipment.carrier_name,
        "tracking_url": shipment.tracking_url,
        "line_ids": list(shipment.line_ids),
        "created": format_timestamp(shipment.created),
    }
