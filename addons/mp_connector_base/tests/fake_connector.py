"""A fake marketplace that tests the base: an in-memory client, no HTTP.

``FakeMarket`` is the marketplace's side (its orders, offers, pushed
batches, the calls it received and the faults it is told to answer);
``FakeClient`` is a ``MarketplaceClient`` over it, as a connector's core
client is over its marketplace's API: it reads the marketplace's own
payload shape (the small "FakeMarket" format below) with ``mphub.parsing``
and maps it to ``mphub.canonical``, so a malformed payload raises
``InvalidPayload`` with every reason like a real mapper.

``plug_fake_connector`` adds the test-only backend type ``fake`` to
``mp.backend`` for the duration of a test class: no production code knows
it. It is the worked example of docs/connector-guide.md.

A FakeMarket order::

    {"id": "FK-00001", "state": "WAITING_ACCEPTANCE",
     "created_at": "2026-01-05T10:00:00.000Z", "updated_at": "...",
     "currency": "EUR", "reference": "R-00001", "total": "28.90",
     "buyer": {"id": "B-1", "name": "Jeanne Martin", "email": "...",
               "address": {"name": "...", "street": "...", "zip": "...",
                           "city": "...", "country": "FR", "phone": "..."}},
     "lines": [{"id": "FK-00001-1", "sku": "FK-RED", "ean": "...",
                "title": "...", "quantity": 2, "unit_price": "12.00",
                "vat_rate": "20", "vat": "4.00", "shipping": "4.90",
                "shipping_vat": "0.82", "state": "OPEN", "shipped": 0}]}

Prices are tax included; each line carries its own shipping.
"""

import copy
import hashlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from mphub.canonical import Address, Customer, Order, OrderLine, OrderStatus, Tax
from mphub.client import MarketplaceClient, OrderPage, Outcome
from mphub.errors import (
    ConfigError,
    InvalidPayload,
    NotFound,
    RemoteError,
    TransientError,
)
from mphub.messages import CustomerMessage, MessagePage
from mphub.offers import Listing, ListingPage, PushStatus
from mphub.parsing import CENT, Reader, format_datetime
from mphub.pricing import CompetitorOffer, FeeEstimate, ProductOffers

FAKE_TYPE = "fake"
FAKE_LABEL = "Fake Market"

# FakeMarket order state -> canonical status
STATES = {
    "PAYMENT_PENDING": OrderStatus.PENDING,
    "WAITING_ACCEPTANCE": OrderStatus.WAITING_ACCEPTANCE,
    "TO_SHIP": OrderStatus.TO_SHIP,
    "PARTIALLY_SHIPPED": OrderStatus.TO_SHIP,
    "SHIPPED": OrderStatus.SHIPPED,
    "CLOSED": OrderStatus.DELIVERED,
    "REFUSED": OrderStatus.REFUSED,
    "CANCELLED": OrderStatus.CANCELLED,
}
LINE_STATES = ("OPEN", "REFUSED", "CANCELLED")
DEAD_LINE_STATES = ("REFUSED", "CANCELLED")
# what the fake marketplace does; a test may take some away
CAPABILITIES = frozenset(
    {"accept", "ship", "cancel", "listings", "push_stock", "push_prices", "push_status"}
)
DEFAULT_ADDRESS = {
    "name": "Jeanne Martin",
    "street": "12 rue des Lilas",
    "zip": "69003",
    "city": "Lyon",
    "country": "FR",
    "phone": "+33 4 00 00 00 00",
}

# base URL of the endpoint -> its FakeMarket: clients are cached by the
# base between jobs, the market is looked up at each call
MARKETS = {}


def vat_of(amount, rate):
    """The VAT included in ``amount`` at ``rate`` percent, to the cent."""
    rate = Decimal(str(rate))
    return (amount - amount * 100 / (100 + rate)).quantize(CENT)


class FakeMarket:
    """The marketplace: what it holds, what it was asked, what it answers.

    Every call a client makes is recorded in ``calls`` as ``(verb, args)``;
    ``fail`` makes chosen calls raise an ``mphub.errors`` error. The facts a
    connector's client states (``import_lag``, ``ships_per_delivery``,
    ``capabilities``, ``pushes_both``, ``max_push_rows``) are attributes a
    test sets; ``status_batch_size`` above 1 makes the client's
    ``accept_orders``/``ship_orders`` one call for several orders.
    """

    def __init__(self, url, name="Fake shop"):
        self.url = url
        self.name = name
        self.orders = {}  # id -> raw order, as the marketplace holds it
        self.listings = {}  # sku -> raw listing record
        self.batches = {}  # batch id -> {"kind", "rows", "polls", ...}
        self.rejected = {}  # sku -> reason a pushed row of it is refused
        self.calls = []
        self.faults = {}  # verb -> [errors to raise, in turn]
        self.shipments = []  # (order id, Shipment), as declared
        self.prices = {}  # sku -> unit price of new orders
        self.vat_rates = {}  # sku -> VAT rate of new orders
        self.eans = {}  # sku -> EAN of new order lines
        self.import_lag = timedelta(0)
        self.ships_per_delivery = False
        self.capabilities = CAPABILITIES
        self.pushes_both = False
        self.max_push_rows = 100
        self.page_size = 50
        self.listing_page_size = 50
        self.batch_polls = 0  # status checks answered "RUNNING" first
        self.answer_at_once = False  # pushes answer their final status
        self.status_batch_size = 1  # orders per accept_orders/ship_orders call
        self.lost_answers = 0  # calls of several orders applied, answer lost
        self._count = 0
        MARKETS[url] = self

    @staticmethod
    def now():
        return datetime.now(timezone.utc).replace(microsecond=0)

    def _next(self):
        self._count += 1
        return self._count

    # -- what the test tells the marketplace ------------------------------
    def fail(self, verb, error, times=1, after=0):
        """Answer ``times`` calls of ``verb`` with ``error``, once ``after``
        more calls have been answered well."""
        self.faults.setdefault(verb, []).extend([None] * after + [error] * times)

    def add_order(self, *lines, state="TO_SHIP", ago=5, **values):
        """A new order of ``lines`` (``(sku, quantity)`` or ``(sku,
        quantity, unit price)``), created ``ago`` minutes ago; ``values``
        replace the payload's keys. Returns its id."""
        number = self._next()
        order_id = values.pop("id", f"FK-{number:05d}")
        when = format_datetime(self.now() - timedelta(minutes=ago))
        raw = {
            "id": order_id,
            "state": state,
            "created_at": when,
            "updated_at": when,
            "currency": "EUR",
            "reference": f"R-{number:05d}",
            "buyer": {
                "id": values.pop("buyer_id", f"B-{number}"),
                "name": DEFAULT_ADDRESS["name"],
                "email": f"buyer{number}@fake.invalid",
                "address": dict(DEFAULT_ADDRESS),
            },
            "lines": [
                self._line(f"{order_id}-{index}", *line)
                for index, line in enumerate(lines or [("FK-RED", 1)], start=1)
            ],
        }
        raw["total"] = str(order_total(raw))
        raw.update(values)
        self.orders[order_id] = raw
        return order_id

    def _line(self, line_id, sku, quantity, unit_price=None):
        unit_price = Decimal(str(unit_price or self.prices.get(sku, "10.00")))
        rate = Decimal(str(self.vat_rates.get(sku, 20)))
        total = (unit_price * quantity).quantize(CENT)
        shipping = Decimal("4.90")
        line = {
            "id": line_id,
            "sku": sku,
            "title": f"Product {sku}",
            "quantity": quantity,
            "unit_price": str(unit_price),
            "vat_rate": str(rate),
            "vat": str(vat_of(total, rate)),
            "shipping": str(shipping),
            "shipping_vat": str(vat_of(shipping, 20)),
            "state": "OPEN",
            "shipped": 0,
        }
        if self.eans.get(sku):
            line["ean"] = self.eans[sku]
        return line

    def set_state(self, order_id, state):
        """The marketplace moves the order (its buyer cancelled, say)."""
        self._touch(order_id)["state"] = state

    def _touch(self, order_id):
        raw = self.orders[order_id]
        raw["updated_at"] = format_datetime(self.now())
        return raw

    def add_listing(self, sku, quantity=None, price=None, **values):
        """An offer the seller has on the marketplace; ``values`` hold
        ``eans``, ``product_id``, ``offer_id``, ``condition``, ``title`` or
        replace any key (a broken record for a test)."""
        record = {"sku": sku, "offer_id": f"OF-{self._next()}"}
        if quantity is not None:
            record["quantity"] = quantity
        if price is not None:
            record["price"] = str(price)
        record.update(values)
        self.listings[sku] = record
        return record

    # -- what the marketplace was asked -----------------------------------
    def record(self, verb, *args):
        self.calls.append((verb, args))
        errors = self.faults.get(verb)
        error = errors.pop(0) if errors else None
        if error is not None:
            raise error

    def calls_of(self, verb):
        return [args for name, args in self.calls if name == verb]

    # -- the marketplace's side of each verb --------------------------------
    def page(self, since, before, token):
        """One page of the orders updated in [since, before)."""
        query = hashlib.sha1(f"{since}|{before}".encode()).hexdigest()[:8]
        offset = 0
        if token:
            head, _sep, number = token.partition(":")
            if head != query or not number.isdigit():
                raise RemoteError(
                    "invalid page token", status=400, code="INVALID_TOKEN"
                )
            offset = int(number)
        found = sorted(
            (
                raw
                for raw in self.orders.values()
                if _updated(raw) >= since and (before is None or _updated(raw) < before)
            ),
            key=lambda raw: (raw["created_at"], raw["id"]),
        )
        orders = found[offset : offset + self.page_size]
        end = offset + len(orders)
        return OrderPage(
            orders=copy.deepcopy(orders),
            next_page=f"{query}:{end}" if end < len(found) else None,
            total=len(found),
        )

    def accept(self, order_id, decisions):
        raw = self._order(order_id)
        wanted = any(decisions.values())
        if raw["state"] != "WAITING_ACCEPTANCE":
            if (wanted and raw["state"] not in ("REFUSED", "CANCELLED")) or (
                not wanted and raw["state"] == "REFUSED"
            ):
                return Outcome.ALREADY
            raise RemoteError(
                f"order {order_id} is {raw['state']}", status=400, code="BAD_STATE"
            )
        for line in raw["lines"]:
            if not decisions.get(line["id"], False):
                line["state"] = "REFUSED"
        raw["total"] = str(order_total(raw))
        self.set_state(order_id, "TO_SHIP" if wanted else "REFUSED")
        return Outcome.DONE

    def ship(self, order_id, shipment):
        raw = self._order(order_id)
        state = raw["state"]
        if state in ("SHIPPED", "CLOSED"):
            return Outcome.ALREADY
        if state in ("PAYMENT_PENDING", "WAITING_ACCEPTANCE"):
            raise TransientError(f"order {order_id} cannot ship yet", retry_after=60)
        if state not in ("TO_SHIP", "PARTIALLY_SHIPPED"):
            raise RemoteError(
                f"order {order_id} is {state}", status=400, code="BAD_STATE"
            )
        lines = {line["id"]: line for line in raw["lines"]}
        wanted = shipment.lines or {
            line_id: line["quantity"] - line["shipped"]
            for line_id, line in lines.items()
            if line["state"] == "OPEN"
        }
        declared = shipment.declared or {}
        if all(
            lines[line_id]["shipped"] - declared.get(line_id, 0) >= quantity
            for line_id, quantity in wanted.items()
        ):
            return Outcome.ALREADY  # an earlier attempt went through
        for line_id, quantity in wanted.items():
            lines[line_id]["shipped"] += quantity
        done = all(
            line["shipped"] >= line["quantity"]
            for line in lines.values()
            if line["state"] == "OPEN"
        )
        self.set_state(order_id, "SHIPPED" if done else "PARTIALLY_SHIPPED")
        self.shipments.append((order_id, shipment))
        return Outcome.DONE

    def several(self, verb, items, apply):
        """A call of several orders (``accept_orders``, ``ship_orders``),
        recorded once with its ``(order id, decisions or shipment)``:
        ``apply`` each, its outcome or its error per order. With
        ``lost_answers``, the call is applied and its answer lost."""
        self.record(verb, [(item[0], item[1]) for item in items])
        results = {}
        for order_id, argument, _raw in items:
            try:
                results[order_id] = apply(order_id, argument)
            except (NotFound, RemoteError, TransientError) as err:
                results[order_id] = err
        if self.lost_answers:
            self.lost_answers -= 1
            raise TransientError("connection reset: the answer was lost")
        return results

    def cancel(self, order_id):
        raw = self._order(order_id)
        if raw["state"] == "CANCELLED":
            return Outcome.ALREADY
        if raw["state"] in ("SHIPPED", "CLOSED"):
            raise RemoteError(
                f"order {order_id} is {raw['state']}", status=400, code="BAD_STATE"
            )
        self.set_state(order_id, "CANCELLED")
        return Outcome.DONE

    def _order(self, order_id):
        if order_id not in self.orders:
            raise NotFound(f"order {order_id} is not known")
        return self.orders[order_id]

    def send_batch(self, kind, rows):
        """A pushed batch: its id, or its final status when the marketplace
        answers at once."""
        batch_id = f"FKB-{self._next()}"
        self.batches[batch_id] = {
            "kind": kind,
            "rows": rows,
            "polls": self.batch_polls,
            "failed": False,
            "status": None,
        }
        if self.answer_at_once:
            return self.batch_status(batch_id)
        return batch_id

    def batch_status(self, batch_id):
        batch = self.batches.get(batch_id)
        if batch is None:
            raise NotFound(f"batch {batch_id} is not known")
        if batch["polls"] > 0:
            batch["polls"] -= 1
            return PushStatus(done=False, message="RUNNING")
        if batch["status"] is None:
            batch["status"] = self._apply(batch)
        return batch["status"]

    def _apply(self, batch):
        if batch["failed"]:
            return PushStatus(done=True, failed=True, message="FAILED: bad file")
        errors = {}
        for sku, quantity, price in batch["rows"]:
            listing = self.listings.get(sku)
            if sku in self.rejected or listing is None:
                errors[sku] = self.rejected.get(sku, f"offer {sku} is unknown")
                continue
            if quantity is not None:
                listing["quantity"] = quantity
            if price is not None:
                listing["price"] = str(price)
        return PushStatus(
            done=True,
            message="COMPLETE",
            errors=errors,
            lines_read=len(batch["rows"]),
            lines_in_error=len(errors),
        )


def _updated(raw):
    return Reader().datetime(raw, "updated_at", "") or datetime.min.replace(
        tzinfo=timezone.utc
    )


def order_total(raw):
    """What the customer pays for an order: its open lines and shipping."""
    return sum(
        (
            Decimal(line["unit_price"]) * line["quantity"] + Decimal(line["shipping"])
            for line in raw["lines"]
            if line["state"] == "OPEN"
        ),
        Decimal(0),
    ).quantize(CENT)


# ----------------------------------------------------------------------
# the mapping: FakeMarket payload -> mphub.canonical
# ----------------------------------------------------------------------
def raw_state(raw):
    """``(canonical status, FakeMarket state)`` of a raw order, read without
    mapping it; ``(None, None)`` when it has no readable state."""
    state = raw.get("state") if isinstance(raw, dict) else None
    if not isinstance(state, str):
        return None, None
    return STATES.get(state), state


def map_order(raw):
    """The canonical ``Order`` of a FakeMarket order, or ``InvalidPayload``
    naming every field at fault."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"order: expected an object, got {type(raw).__name__}")
    r = Reader()
    order_id = r.identifier(raw, "id", "")
    state = r.enum(raw, "state", "", STATES)
    created = r.datetime(raw, "created_at", "")
    updated = r.datetime(raw, "updated_at", "")
    currency = r.currency(raw, "currency", "")
    total = r.decimal(raw, "total", "", minimum=0)
    customer = _customer(r, r.obj(raw, "buyer", ""))
    lines = [
        _line(r, line, f"lines[{index}]")
        for index, line in enumerate(r.records(raw, "lines", "", required=True))
    ]
    if not lines:
        r.fail("lines", "no order line")
    r.raise_if_errors()
    expected = sum(
        (line.total + line.shipping_price for line in lines if line.active),
        Decimal(0),
    )
    if abs(expected - total) >= CENT:
        r.fail("total", f"{total} differs from the lines and shipping {expected}")
    r.raise_if_errors()
    return Order(
        external_id=order_id,
        status=STATES[state],
        marketplace_status=state,
        created_at=created,
        updated_at=updated,
        currency=currency,
        customer=customer,
        lines=tuple(lines),
        reference=r.str(raw, "reference", "", required=False),
        total=total,
        shipping_total=sum((line.shipping_price for line in lines), Decimal(0)),
    )


def _customer(r, buyer):
    if buyer is None:
        return None
    address = r.obj(buyer, "address", "buyer")
    shipping = None
    if address is not None:
        path = "buyer.address"
        shipping = Address(
            name=r.str(address, "name", path),
            street=r.str(address, "street", path),
            city=r.str(address, "city", path),
            country_code=r.str(address, "country", path),
            zip=r.str(address, "zip", path, required=False),
            phone=r.str(address, "phone", path, required=False),
        )
    return Customer(
        name=r.str(buyer, "name", "buyer"),
        shipping_address=shipping,
        external_id=r.identifier(buyer, "id", "buyer", required=False),
        email=r.str(buyer, "email", "buyer", required=False),
    )


def _line(r, line, path):
    quantity = r.positive_int(line, "quantity", path)
    unit_price = r.decimal(line, "unit_price", path, minimum=0, exact=True)
    rate = r.rate(line, "vat_rate", path)
    state = r.enum(line, "state", path, LINE_STATES, required=False, default="OPEN")
    total = None
    if quantity and unit_price is not None:
        total = (unit_price * quantity).quantize(CENT)
    return OrderLine(
        external_id=r.identifier(line, "id", path),
        sku=r.identifier(line, "sku", path),
        quantity=quantity or 0,
        unit_price=unit_price or Decimal(0),
        title=r.text(line, "title", path, default=""),
        ean=r.identifier(line, "ean", path, required=False),
        total=total,
        taxes=(Tax(rate=rate, amount=r.decimal(line, "vat", path, minimum=0)),),
        shipping_price=r.decimal(
            line, "shipping", path, required=False, default=Decimal(0), minimum=0
        ),
        shipping_taxes=(
            Tax(
                rate=Decimal(20),
                amount=r.decimal(
                    line, "shipping_vat", path, required=False, default=Decimal(0)
                ),
            ),
        ),
        status=state,
        active=state not in DEAD_LINE_STATES,
    )


def read_listing(record, index):
    """A FakeMarket offer record as a ``Listing``, or ``InvalidPayload``."""
    r = Reader()
    path = f"offers[{index}]"
    listing = Listing(
        sku=r.identifier(record, "sku", path),
        eans=tuple(r.texts(record, "eans", path)),
        marketplace_product_id=r.identifier(record, "product_id", path, required=False),
        external_id=r.identifier(record, "offer_id", path, required=False),
        quantity=r.count(record, "quantity", path),
        price=r.amount(record, "price", path),
        currency="EUR",
        condition=r.identifier(record, "condition", path, required=False),
        title=r.text(record, "title", path),
        raw=record,
    )
    r.raise_if_errors()
    return listing


# ----------------------------------------------------------------------
# the client
# ----------------------------------------------------------------------
def _fact(name):
    """A fact of the client read from its market at each use."""
    return property(lambda client: getattr(client.market, name))


class FakeClient(MarketplaceClient):
    """The core client of the fake marketplace: each verb is recorded by
    the market, may fail as the test chose, then does what a marketplace
    does."""

    def __init__(self, url):
        self.url = url

    @property
    def market(self):
        market = MARKETS.get(self.url)
        if market is None:
            raise ConfigError(f"no fake marketplace answers at {self.url}")
        return market

    # -- facts of the marketplace: what the test set on the market --------
    import_lag = _fact("import_lag")
    ships_per_delivery = _fact("ships_per_delivery")
    capabilities = _fact("capabilities")
    pushes_both = _fact("pushes_both")
    max_push_rows = _fact("max_push_rows")
    status_batch_size = _fact("status_batch_size")

    def external_id(self, raw):
        order_id = raw.get("id") if isinstance(raw, dict) else None
        return (
            order_id.strip() if isinstance(order_id, str) and order_id.strip() else None
        )

    def raw_state(self, raw):
        return raw_state(raw)

    def map_order(self, raw):
        return map_order(raw)

    # -- verbs ------------------------------------------------------------
    def test_connection(self):
        self.market.record("test_connection")
        return {"name": self.market.name}

    def list_orders(self, updated_since, page=None, updated_before=None):
        self.market.record("list_orders", updated_since, page, updated_before)
        return self.market.page(updated_since, updated_before, page)

    def get_orders(self, external_ids):
        self.market.record("get_orders", list(external_ids))
        orders = self.market.orders
        return [copy.deepcopy(orders[i]) for i in external_ids if i in orders]

    def accept_order(self, external_id, decisions, raw=None):
        self.market.record("accept_order", external_id, dict(decisions))
        return self.market.accept(external_id, decisions)

    def ship_order(self, external_id, shipment):
        self.market.record("ship_order", external_id, shipment)
        return self.market.ship(external_id, shipment)

    def accept_orders(self, items):
        return self.market.several("accept_orders", items, self.market.accept)

    def ship_orders(self, items):
        return self.market.several("ship_orders", items, self.market.ship)

    def cancel_order(self, external_id, reason=None):
        """The seller cancels the order (the base calls it only where the
        client has the "cancel" capability)."""
        self.market.record("cancel_order", external_id, reason)
        return self.market.cancel(external_id)

    def list_listings(self, page=None):
        self.market.record("list_listings", page)
        records = [self.market.listings[sku] for sku in sorted(self.market.listings)]
        offset = int(page or 0)
        chunk = records[offset : offset + self.market.listing_page_size]
        listings, invalid = [], []
        for index, record in enumerate(chunk, start=offset):
            try:
                listings.append(read_listing(record, index))
            except InvalidPayload as err:
                invalid.append((copy.deepcopy(record), str(err)))
        end = offset + len(chunk)
        return ListingPage(
            listings=listings,
            next_page=str(end) if end < len(records) else None,
            total=len(records),
            invalid=invalid,
        )

    def listing_parts(self, raw):
        """What can be read of an offer record ``read_listing`` refused, for
        the base's listing review (never raises)."""
        record = raw if isinstance(raw, dict) else {}

        def text(key):
            value = record.get(key)
            return value.strip() if isinstance(value, str) and value.strip() else None

        eans = record.get("eans") if isinstance(record.get("eans"), list) else []
        return Listing(
            sku=text("sku") or "",
            eans=tuple(ean for ean in eans if isinstance(ean, str)),
            marketplace_product_id=text("product_id"),
            external_id=text("offer_id"),
            condition=text("condition"),
            title=text("title"),
            raw=record,
        )

    def push_stock(self, rows):
        self.market.record("push_stock", list(rows))
        return self.market.send_batch(
            "stock", [(row.sku, row.quantity, None) for row in rows]
        )

    def push_prices(self, rows):
        self.market.record("push_prices", list(rows))
        return self.market.send_batch(
            "price", [(row.sku, None, row.price) for row in rows]
        )

    def push_offers(self, rows):
        self.market.record("push_offers", list(rows))
        return self.market.send_batch(
            "offers", [(row.sku, row.quantity, row.price) for row in rows]
        )

    def push_status(self, kind, batch_id, skus=None):
        self.market.record("push_status", kind, batch_id, skus)
        return self.market.batch_status(batch_id)


# ----------------------------------------------------------------------
# the test-only backend type
# ----------------------------------------------------------------------
CONDITION_LABELS = {"new": "New", "used": "Used"}


def plug_fake_connector(case):
    """Give ``mp.backend`` the backend type ``fake``, built into a
    ``FakeClient``, for the duration of the test class ``case``.

    This is all a connector addon does to plug into the base (besides its
    fields and views): add its value to ``backend_type`` and build its
    client in ``_build_client``; here both are patches that the class's
    cleanups undo (Odoo 18's Selection keeps its values in ``selection``,
    a list, and ``_selection``, the dict that validates writes).
    """
    backends = type(case.env["mp.backend"])
    field = backends._fields["backend_type"]
    case.classPatch(field, "selection", [*field.selection, (FAKE_TYPE, FAKE_LABEL)])
    case.classPatch(field, "_selection", {**field._selection, FAKE_TYPE: FAKE_LABEL})
    build_client = backends._build_client
    condition_labels = backends._offer_condition_labels

    def _build_client(self, settings):
        if settings["backend_type"] != FAKE_TYPE:
            return build_client(self, settings)
        return FakeClient(settings["endpoint_url"])

    def _offer_condition_labels(self):
        labels = condition_labels(self)
        if self._is_offer_condition_table(FAKE_TYPE):
            labels.update(CONDITION_LABELS)
        return labels

    case.classPatch(backends, "_build_client", _build_client)
    case.classPatch(backends, "_offer_condition_labels", _offer_condition_labels)


# ----------------------------------------------------------------------
# buyers' messages (capability "messages"): the market's inbox and the
# client's two verbs, kept in this section
# ----------------------------------------------------------------------
# FakeMarket message author -> canonical author
MESSAGE_AUTHORS = {
    "CLIENT": "customer",
    "OPERATOR": "operator",
    "SELLER": "seller",
    "SYSTEM": "system",
}


class FakeInbox:
    """The buyers' messages of a ``FakeMarket`` (``inbox(market)``).

    A message record::

        {"id": "MSG-1", "order_id": "FK-00001" (absent: about no order),
         "from": "CLIENT", "kind": "message" | "incident",
         "subject": "...", "body": "...", "created_at": "...",
         "updated_at": "...", "status": "UNREAD" | "READ" | "CLOSED",
         "answered": false}

    A reply is recorded in ``replies`` as ``(message id, body)``, marks the
    message answered and adds the seller's message to the inbox, as
    marketplaces do.
    """

    def __init__(self, market):
        self.market = market
        self.messages = {}  # id -> record
        self.replies = []
        self.page_size = 50

    def add(self, order_id, body, subject="", author="CLIENT", ago=1, **values):
        """A new message about ``order_id`` (None: about no order), written
        ``ago`` minutes ago; ``values`` replace the record's keys."""
        message_id = values.pop("id", f"MSG-{self.market._next()}")
        when = format_datetime(self.market.now() - timedelta(minutes=ago))
        record = {
            "id": message_id,
            "from": author,
            "kind": "message",
            "subject": subject,
            "body": body,
            "created_at": when,
            "updated_at": when,
            "status": "UNREAD",
            "answered": False,
        }
        if order_id:
            record["order_id"] = order_id
        record.update(values)
        self.messages[message_id] = record
        return message_id

    def change(self, message_id, **values):
        """The marketplace changes a message (closed, answered there)."""
        record = self.messages[message_id]
        record.update(values, updated_at=format_datetime(self.market.now()))

    def page(self, since, token):
        """One page of the messages updated since ``since``."""
        found = sorted(
            (record for record in self.messages.values() if _updated(record) >= since),
            key=lambda record: (_updated(record), str(record.get("id"))),
        )
        offset = int(token or 0)
        chunk = found[offset : offset + self.page_size]
        messages, invalid = [], []
        for index, record in enumerate(chunk, start=offset):
            try:
                messages.append(read_message(record, index))
            except InvalidPayload as err:
                invalid.append((copy.deepcopy(record), str(err)))
        end = offset + len(chunk)
        return MessagePage(
            messages=messages,
            next_page=str(end) if end < len(found) else None,
            invalid=invalid,
        )

    def reply(self, message_id, body):
        record = self.messages.get(message_id)
        if record is None:
            raise NotFound(f"message {message_id} is not known")
        if record.get("status") == "CLOSED":
            raise RemoteError(
                f"message {message_id} is closed", status=400, code="CLOSED"
            )
        self.replies.append((message_id, body))
        self.change(message_id, answered=True, status="READ")
        self.add(
            record.get("order_id"),
            body,
            subject=record.get("subject", ""),
            author="SELLER",
            ago=0,
            status="READ",
        )
        return Outcome.DONE


def inbox(market):
    """The inbox of ``market``, made on first use."""
    if "inbox" not in market.__dict__:
        market.inbox = FakeInbox(market)
    return market.inbox


def read_message(record, index):
    """A FakeMarket message record as a ``CustomerMessage``, or
    ``InvalidPayload``."""
    if not isinstance(record, dict):
        raise InvalidPayload(f"messages[{index}]: expected an object")
    r = Reader()
    path = f"messages[{index}]"
    author = r.enum(record, "from", path, MESSAGE_AUTHORS)
    kind = r.enum(record, "kind", path, ("message", "incident"))
    external_id = r.identifier(record, "id", path)
    created = r.datetime(record, "created_at", path)
    updated = r.datetime(record, "updated_at", path)
    status = r.str(record, "status", path, required=False)
    answered = bool(r.bool(record, "answered", path, default=False))
    r.raise_if_errors()
    author = MESSAGE_AUTHORS[author]
    return CustomerMessage(
        external_id=external_id,
        kind=kind,
        order_external_id=r.identifier(record, "order_id", path, required=False),
        author=author,
        subject=r.text(record, "subject", path, default="") or "",
        body=r.str(record, "body", path, required=False, default="") or "",
        created_at=created,
        updated_at=updated,
        reply_expected=author in ("customer", "operator")
        and not answered
        and status != "CLOSED",
        answered=answered,
        state=status,
        raw=record,
    )


def _list_messages(client, updated_since, page=None):
    client.market.record("list_messages", updated_since, page)
    return inbox(client.market).page(updated_since, page)


def _reply_message(client, message, body):
    client.market.record("reply_message", message.external_id, body)
    return inbox(client.market).reply(message.external_id, body)


# the client's verbs of this section (``MarketplaceClient.list_messages``,
# ``reply_message``); the market offers them when a test adds "messages" to
# its ``capabilities``
FakeClient.list_messages = _list_messages
FakeClient.reply_message = _reply_message


# ----------------------------------------------------------------------
# competitors' offers and fee estimates (capabilities "competitors" and
# "fees"): the market's price board and the client's two verbs, kept in
# this section
# ----------------------------------------------------------------------
def _reference_key(reference):
    """The board's key of a reference asked: an EAN, or a ``(type, value)``
    pair (``("ASIN", "B0...")``, ``("SKU", "FK-RED")``)."""
    if isinstance(reference, tuple | list):
        kind, value = reference
        return (str(kind).upper(), str(value))
    return ("EAN", str(reference))


class FakePriceBoard:
    """The competitors' offers of a ``FakeMarket`` (``price_board(market)``)
    and its fee estimates: deterministic, set by the test.

    ``offers`` maps a reference key (``("EAN", "376...")``, ``("ASIN",
    "B0...")``, ``("SKU", "FK-RED")``) to the competitors'
    ``mphub.pricing.CompetitorOffer`` values; ``own`` to the seller's own
    offer as the marketplace shows it; a reference in ``unknown`` is
    answered with an error; any other gets no offers. ``fee_rates``: SKU ->
    (rate in percent, fixed fee) of its fee estimate (default
    ``default_fee``); a SKU in ``fee_errors`` gets a ``RemoteError``.
    """

    def __init__(self, market):
        self.market = market
        self.offers = {}
        self.own = {}
        self.unknown = set()
        self.fee_rates = {}
        self.fee_errors = set()
        self.default_fee = (Decimal("15"), Decimal("0.30"))

    @staticmethod
    def offer(seller, price, shipping="0", **values):
        """A ``CompetitorOffer`` of ``seller`` at ``price`` (strings or
        Decimals, tax included); ``values``: its other fields."""
        values.setdefault("seller_type", "professional")
        values.setdefault("condition", "new")
        values.setdefault("fulfilment", "merchant")
        if values.get("rating") is not None:
            values["rating"] = Decimal(str(values["rating"]))
        return CompetitorOffer(
            seller=seller,
            price=Decimal(str(price)),
            shipping=Decimal(str(shipping)),
            **values,
        )

    def set(self, reference, *offers, own=None):
        """The competitors of ``reference`` from now on: ``offers`` are
        ``CompetitorOffer`` values or ``(seller, price[, shipping])``
        tuples; ``own``: the own offer's ``(price, shipping)``, or a
        ``CompetitorOffer``, or None (not shown)."""
        key = _reference_key(reference)
        self.offers[key] = [
            item if not isinstance(item, tuple) else self.offer(*item)
            for item in offers
        ]
        if own is None:
            self.own.pop(key, None)
        elif isinstance(own, tuple):
            self.own[key] = self.offer(self.market.name, *own, own=True)
        else:
            self.own[key] = own
        self.unknown.discard(key)

    def move(self, reference, seller, price, shipping=None):
        """``seller`` now sells ``reference`` at ``price``."""
        key = _reference_key(reference)
        moved = []
        for offer in self.offers.get(key, []):
            if offer.seller == seller:
                changes = {"price": Decimal(str(price))}
                if shipping is not None:
                    changes["shipping"] = Decimal(str(shipping))
                offer = replace(offer, **changes)
            moved.append(offer)
        self.offers[key] = moved

    def remove(self, reference, seller):
        """``seller`` no longer sells ``reference``."""
        key = _reference_key(reference)
        self.offers[key] = [o for o in self.offers.get(key, []) if o.seller != seller]

    def answer(self, references):
        now = self.market.now()
        result = []
        for reference in references:
            kind, value = _reference_key(reference)
            if (kind, value) in self.unknown:
                result.append(
                    ProductOffers(
                        reference=value,
                        reference_type=kind.capitalize(),
                        error=f"unknown product {value}",
                        fetched_at=now,
                    )
                )
                continue
            result.append(
                ProductOffers(
                    reference=value,
                    reference_type=kind.capitalize(),
                    own_offer=self.own.get((kind, value)),
                    offers=tuple(self.offers.get((kind, value), ())),
                    fetched_at=now,
                )
            )
        return result

    def estimate(self, items):
        found = []
        for sku, price, _currency, _by_marketplace in items:
            if sku in self.fee_errors:
                found.append(RemoteError(f"no fee estimate for {sku}", status=400))
                continue
            rate, fixed = self.fee_rates.get(sku, self.default_fee)
            price = Decimal(str(price))
            variable = (price * Decimal(str(rate)) / 100).quantize(CENT)
            fixed = Decimal(str(fixed)).quantize(CENT)
            found.append(FeeEstimate(price, variable + fixed, variable, fixed))
        return found


def price_board(market):
    """The price board of ``market``, made on first use."""
    if "price_board" not in market.__dict__:
        market.price_board = FakePriceBoard(market)
    return market.price_board


def _competitor_offers(client, references):
    references = list(references)
    client.market.record("competitor_offers", references)
    return price_board(client.market).answer(references)


def _fee_estimates(client, items):
    items = list(items)
    client.market.record("fee_estimates", items)
    return price_board(client.market).estimate(items)


# the client's verbs of this section (``MarketplaceClient.competitor_offers``,
# ``fee_estimates``); the market offers them when a test adds "competitors"
# or "fees" to its ``capabilities``
FakeClient.competitor_offers = _competitor_offers
FakeClient.fee_estimates = _fee_estimates
