"""The store of the Fnac Darty emulator: the partner's shops, each with its
orders and their state machine, its offers and batches, its competitors'
prices, messages and incidents, and the auth tokens. No HTTP
(``fnac_services`` serves it). Every method that reads or changes the store
takes the emulator's lock (an ``RLock``).

State machine (order state / line state, state.xsd). An order is in "the
earliest stage found in its live lines" (``STAGES``); with no live line it
is Refused when every line was refused, else Cancelled or Refunded:

- Created (lines ToAccept) -> ``decide`` -> lines Accepted or Refused (all
  refused: order Refused) -> Accepted, waiting for billing: once billed,
  ``billing_delay_seconds`` after the decision (evaluated when read; 0: at
  once, on the next read), the Accepted lines go ToShip (``debited_at``);
- ToShip -> ``ship`` (each live ToShip line Shipped with tracking number and
  company) -> Shipped -> (the marketplace, ``set_order_state``) Received or
  NotReceived; ``receive`` (receive_all_order) and ``refund`` are the
  seller's other actions; Cancelled, Refunded and Error come from the
  marketplace (``set_order_state``) and generated sets.

Refused actions raise ``StoreError(code, message)``. ``updated`` (the
UpdatedAt filter: the order element carries no update date) is bumped on
every change. ``order_record`` is the order's internal record, JSON-ready.
"""

import random
from datetime import datetime, timedelta, timezone

from . import catalog
from .fnac_data import (
    DEAD_LINE_STATES,
    DEFAULT_SHOPS,
    DEFECTS,
    LINE_STATE_OF,
    MIXED_WEIGHTS,
    ORDER_STATES,
    PARTNER_ID,
    STAGES,
    Generator,
    Options,
    Shop,
    check_share,
    order_id_of,
    pick_kinds,
)
from .fnac_messages import MessagesMixin
from .fnac_offers import OffersMixin
from .server import format_timestamp

STAGE_ORDER = tuple(STAGES)


class StoreError(Exception):
    """A refused action: ``code`` (ERR_nnn) and ``message``."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _moment(value):
    """An aware datetime of ``value`` (datetime or ISO text; naive: UTC)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class FnacStore(OffersMixin, MessagesMixin):
    """The shops of one partner (module docstring). ``clock``: the
    emulator's ``Clock``; ``lock``: its lock."""

    def __init__(
        self,
        seed,
        clock,
        lock,
        catalog_size=60,
        shops=DEFAULT_SHOPS,
        partner_id=PARTNER_ID,
        billing_delay_seconds=0,
        batch_polls=1,
        token_ttl=3600,
        price_moves=True,
    ):
        self.seed = seed
        self.clock = clock
        self.lock = lock
        self.catalog_size = max(int(catalog_size), 1)
        self.shop_specs = tuple(tuple(spec) for spec in shops)
        self.partner_id = partner_id
        self.billing_delay = timedelta(seconds=float(billing_delay_seconds))
        self.batch_polls = int(batch_polls)
        self.token_ttl = float(token_ttl)
        self.price_moves = bool(price_moves)
        self.reset()

    def reset(self):
        with self.lock:
            self.shops = {
                spec[0]: Shop(*spec, slot=slot)
                for slot, spec in enumerate(self.shop_specs)
            }
            self.products = catalog.products(self.seed, self.catalog_size)
            self.generator = Generator(self.seed, self.products, self.catalog_size)
            self.tokens = {}  # token -> (shop id, expires at)
            self.order_index = {}  # order id -> shop id
            self.update_calls = {shop_id: [] for shop_id in self.shops}
            self.reset_offers()
            self.reset_messages()

    # -- shops and tokens ----------------------------------------------------
    def shop(self, shop_id):
        """The shop ``shop_id`` (``ValueError`` if there is none)."""
        try:
            return self.shops[str(shop_id)]
        except KeyError as err:
            raise ValueError(f"unknown shop {shop_id!r}") from err

    def check_credentials(self, partner_id, shop_id, key):
        """The shop of this (partner, shop, key) triple, or None."""
        shop = self.shops.get(shop_id)
        if partner_id != self.partner_id or shop is None or shop.key != key:
            return None
        return shop

    def issue_token(self, shop, token):
        """Remember ``token`` for ``shop``; returns its expiry."""
        expires = self.clock.now() + timedelta(seconds=self.token_ttl)
        with self.lock:
            self.tokens[token] = (shop.shop_id, expires)
        return expires

    def token_shop(self, token):
        """The shop id of a live ``token``, or None (unknown, expired)."""
        with self.lock:
            entry = self.tokens.get(token)
        if entry is None or datetime.now(timezone.utc) >= entry[1]:
            return None
        return entry[0]

    def expire_tokens(self):
        """Every token issued so far is expired."""
        with self.lock:
            past = datetime.now(timezone.utc) - timedelta(seconds=1)
            self.tokens = {
                token: (shop, past) for token, (shop, _e) in self.tokens.items()
            }

    # -- orders --------------------------------------------------------------
    def create_orders(
        self,
        shop_id,
        count,
        *,
        unknown_sku_share=0.0,
        malformed_share=0.0,
        refused_line_share=0.0,
        message_share=0.0,
        state=None,
        created=None,
        **shares,
    ):
        """Create ``count`` orders in a shop, return their ids.

        Exactly ``round(count * unknown_sku_share)`` orders get one line of
        an unknown SKU and ``round(count * malformed_share)`` others one
        defect (``DEFECTS`` in turn), chosen reproducibly. ``shares``:
        ``relay_share``, ``company_share``, ``multi_line_share``,
        ``catalog_start``, ``catalog_size`` (``fnac_data.Options``).
        ``refused_line_share``: orders of several lines accepted with their
        last line refused (Created ones become Accepted). ``message_share``:
        orders with a buyer's message. ``state``: an order state for every
        order, or "mixed" (``MIXED_WEIGHTS``); default Created. ``created``:
        their creation date (default now). ``ValueError`` on bad arguments.
        """
        shop = self.shop(shop_id)
        count = int(count)
        options = self._options(shares)
        refused = check_share(refused_line_share, "refused_line_share")
        messages = check_share(message_share, "message_share")
        if state not in (None, "mixed", *ORDER_STATES):
            raise ValueError(f"unknown order state {state!r}")
        created = _moment(created)
        with self.lock:
            start = shop.next_index
            kinds = pick_kinds(
                f"fnac-batch-{self.seed}-{shop.slot}-{start}",
                count,
                unknown_sku_share,
                malformed_share,
            )
            ids = []
            for offset in range(count):
                order = self._new_order(
                    shop, start + offset, kinds.get(offset), options, created
                )
                self._initial_state(order, state, refused, messages)
                ids.append(order.order_id)
            shop.next_index = start + count
        self.clock.settle()  # every order visible to a window ending now
        return ids

    def _options(self, shares):
        known = {"relay_share", "company_share", "multi_line_share"}
        unknown = set(shares) - known - {"catalog_start", "catalog_size"}
        if unknown:
            raise ValueError(f"unknown order option(s): {', '.join(sorted(unknown))}")
        options = Options(
            **{
                key: check_share(value, key)
                for key, value in shares.items()
                if key in known
            }
        )
        options.catalog_start = int(shares.get("catalog_start") or 0)
        size = shares.get("catalog_size")
        options.catalog_size = int(size) if size else None
        last = options.catalog_start + (options.catalog_size or self.catalog_size) - 1
        if options.catalog_start < 0 or last > catalog.MAX_INDEX:
            raise ValueError(f"catalogue range out of 0..{catalog.MAX_INDEX}")
        return options

    def _new_order(self, shop, index, kind, options, created):
        defect = None
        if kind == "malformed":
            defect = tuple(DEFECTS)[shop.malformed_count % len(DEFECTS)]
            shop.malformed_count += 1
        salt = 0
        order_id = order_id_of(self.seed, shop.slot, index)
        while order_id in self.order_index:
            salt += 1
            order_id = order_id_of(self.seed, shop.slot, index, salt)
        order = self.generator.order(
            shop,
            order_id,
            index,
            options,
            created or self.clock.now(),
            unknown=kind == "unknown",
            defect=defect,
        )
        if created is not None:
            order.updated = self.clock.now()
        shop.orders[order_id] = order
        self.order_index[order_id] = shop.shop_id
        return order

    def _initial_state(self, order, state, refused_share, message_share):
        rng = random.Random(f"fnac-state-{self.seed}-{order.shop_id}-{order.index}")
        if state == "mixed":
            state = rng.choices(tuple(MIXED_WEIGHTS), tuple(MIXED_WEIGHTS.values()))[0]
        partial = rng.random() < refused_share and len(order.lines) > 1
        if partial and state in (None, "Created", "Accepted", "ToShip", "Shipped"):
            decided = state in (None, "Created")  # as if accepted through the API
            self.force_state(order, "Accepted" if decided else state, order.updated)
            last = order.lines[-1]
            last.state, last.refused = "Refused", order.updated
            order.decisions = {line.line_id: "Accepted" for line in order.lines}
            order.decisions[last.line_id] = "Refused"
            if decided:
                order.billing_due = order.updated + self.billing_delay
                self.shops[order.shop_id].billing.add(order.order_id)
        elif state not in (None, "Created"):
            self.force_state(order, state, order.updated)
        if rng.random() < message_share:
            self.seed_message(order, rng)

    def find(self, order_id, shop=None):
        """The order ``order_id`` (of ``shop`` if given), billed if due;
        raises ``StoreError("ERR_110")`` when unknown."""
        with self.lock:
            shop_id = self.order_index.get(str(order_id))
            if shop_id is None or (shop is not None and shop.shop_id != shop_id):
                raise StoreError("ERR_110", f"Order {order_id} not found")
            order = self.shops[shop_id].orders[str(order_id)]
            self.refresh(order)
            return order

    def orders(self, shop):
        """The shop's orders (creation order), billed when due."""
        with self.lock:
            for order_id in list(shop.billing):
                self.refresh(shop.orders[order_id])
            return list(shop.orders.values())

    def refresh(self, order):
        """The lazy billing clock: Accepted lines go ToShip once billed."""
        if order.billing_due is None:
            return
        if self.billing_delay and datetime.now(timezone.utc) < order.billing_due:
            return
        moment = max(order.billing_due, order.updated)
        order.billing_due = None
        self.shops[order.shop_id].billing.discard(order.order_id)
        for line in order.lines:
            if line.state == "Accepted":
                line.state, line.debited = "ToShip", moment
        self._settle(order, moment)

    def _settle(self, order, moment):
        """The order's state from its lines' (module docstring); ``updated``
        bumped to ``moment``."""
        live = [line.state for line in order.lines if line.live]
        if live:
            state = STAGES[min(live, key=STAGE_ORDER.index)]
        elif not order.lines:
            state = order.state
        elif all(line.state == "Refused" for line in order.lines):
            state = "Refused"
        elif any(line.state == "Cancelled" for line in order.lines):
            state = "Cancelled"
        else:
            state = "Refunded"
        if state != order.state:
            order.history.append((moment, state))
        order.state = state
        order.updated = max(moment, order.updated)

    def force_state(self, order, state, moment=None):
        """A transition decided by the marketplace (or a test): every line
        to the state that goes with ``state`` (Error keeps the lines)."""
        if state not in ORDER_STATES:
            raise ValueError(f"unknown order state {state!r}")
        with self.lock:
            moment = moment or self.clock.now()
            order.billing_due = None
            self.shops[order.shop_id].billing.discard(order.order_id)
            line_state = LINE_STATE_OF.get(state)
            for line in order.lines:
                if line_state is None or (
                    line.state in DEAD_LINE_STATES
                    and line_state not in DEAD_LINE_STATES
                ):
                    continue
                self._line_to(line, line_state, moment)
            if state == "Error" or not order.lines:
                order.history.append((moment, state))
                order.state, order.updated = state, max(moment, order.updated)
            else:
                self._settle(order, moment)

    @staticmethod
    def _line_to(line, state, moment):
        line.state = state
        if state in ("ToShip", "Shipped", "NotReceived", "Received", "Refunded"):
            line.debited = line.debited or moment
        if state in ("Shipped", "NotReceived", "Received") and not line.tracking_number:
            line.tracking_number = (
                f"8R{line.line_id}{int(moment.timestamp()) % 10**9:09d}"
            )
            line.tracking_company = "Colissimo"
        if state == "Received":
            line.received = line.received or moment
        if state == "Refused":
            line.refused = line.refused or moment

    def set_order_state(self, shop_id, order_id, state):
        """Force an order's state (``force_state``); returns its record."""
        order = self.find(order_id, self.shop(shop_id))
        self.force_state(order, state)
        return self.order_record(shop_id, order_id)

    # -- the seller's actions (orders_update) ----------------------------------
    def decide(self, order, decisions):
        """Accept or refuse lines of a Created order: ``decisions`` line id
        -> "Accepted" / "Refused". Returns the line ids decided."""
        with self.lock:
            self.refresh(order)
            if order.state != "Created":
                raise StoreError(
                    "ERR_111",
                    f"Order {order.order_id} is {order.state}, not Created: it cannot "
                    "be accepted or refused",
                )
            lines = self._lines_in(order, decisions, ("ToAccept",))
            moment = self.clock.now()
            for line in lines:
                decision = decisions[line.line_id]
                self._line_to(line, decision, moment)
                order.decisions[line.line_id] = decision
            self._settle(order, moment)
            if order.state == "Accepted":
                order.billing_due = moment + self.billing_delay
                self.shops[order.shop_id].billing.add(order.order_id)
            return [line.line_id for line in lines]

    def ship(self, order, details, action="confirm_to_send"):
        """Ship lines of a ToShip order: ``details`` line id ->
        (tracking number, tracking company); returns the shipment."""
        with self.lock:
            self.refresh(order)
            if order.state == "Accepted":
                raise StoreError(
                    "ERR_113",
                    f"Order {order.order_id} is Accepted, not yet ToShip "
                    "(billing pending)",
                )
            if order.state != "ToShip":
                raise StoreError(
                    "ERR_113",
                    f"Order {order.order_id} is {order.state}, not ToShip: it "
                    "cannot be shipped",
                )
            lines = self._lines_in(order, details, ("ToShip",))
            moment = self.clock.now()
            for line in lines:
                line.state = "Shipped"
                line.tracking_number, line.tracking_company = details[line.line_id]
            shipment = {
                "action": action,
                "line_ids": [line.line_id for line in lines],
                "tracking": {
                    str(line.line_id): list(details[line.line_id]) for line in lines
                },
                "created": format_timestamp(moment),
            }
            order.shipments.append(shipment)
            self._settle(order, moment)
            return shipment

    def update_tracking(self, order, details):
        """Change the tracking of Shipped lines (detail action Updated)."""
        with self.lock:
            lines = self._lines_in(order, details, ("Shipped", "NotReceived"))
            moment = self.clock.now()
            for line in lines:
                number, company = details[line.line_id]
                line.tracking_number = number or line.tracking_number
                line.tracking_company = company or line.tracking_company
            self._settle(order, moment)

    def receive(self, order):
        """receive_all_order: Shipped (or NotReceived) lines Received."""
        with self.lock:
            if order.state not in ("Shipped", "NotReceived"):
                raise StoreError(
                    "ERR_113", f"Order {order.order_id} is {order.state}, not Shipped"
                )
            moment = self.clock.now()
            for line in order.live_lines:
                self._line_to(line, "Received", moment)
            self._settle(order, moment)

    def refund(self, order, line_ids):
        """refund_order: the given shipped (or received) lines Refunded."""
        with self.lock:
            refundable = ("ToShip", "Shipped", "NotReceived", "Received")
            lines = self._lines_in(order, dict.fromkeys(line_ids), refundable)
            moment = self.clock.now()
            for line in lines:
                self._line_to(line, "Refunded", moment)
            self._settle(order, moment)

    @staticmethod
    def _lines_in(order, by_line, states):
        """The lines of ``order`` whose ids are the keys of ``by_line``,
        each in one of ``states`` (else ``StoreError``, nothing changed)."""
        by_id = {line.line_id: line for line in order.lines}
        missing = [str(key) for key in by_line if key not in by_id]
        if missing:
            raise StoreError(
                "ERR_114",
                f"Unknown order detail(s) {', '.join(missing)} in order "
                f"{order.order_id}",
            )
        lines = [by_id[key] for key in by_line]
        for line in lines:
            if line.state not in states:
                raise StoreError(
                    "ERR_112",
                    f"Order detail {line.line_id} is {line.state}, not "
                    f"{' or '.join(states)}",
                )
        return lines

    def log_update_call(self, shop, call):
        """Remember an orders_update call that reached the service (a dict
        the caller may complete)."""
        with self.lock:
            self.update_calls[shop.shop_id].append(call)

    # -- records -------------------------------------------------------------
    def shipments(self, shop_id, order_id):
        return list(self.find(order_id, self.shop(shop_id)).shipments)

    def order_record(self, shop_id, order_id):
        """The internal record of an order, JSON-ready (module docstring)."""
        with self.lock:
            order = self.find(order_id, self.shop(shop_id))
            commission = order.commission
            return {
                "order_id": order.order_id,
                "shop_id": order.shop_id,
                "kind": order.kind,
                "defect": order.defect,
                "state": order.state,
                "total": str(order.expected_total),
                "shipping_total": str(order.shipping_total),
                "commission": None if commission is None else str(commission),
                "relay": order.relay,
                "company": order.company,
                "market": order.market,
                "created": format_timestamp(order.created),
                "updated": format_timestamp(order.updated),
                "lines": [_line_record(line) for line in order.lines],
                "shipments": [dict(shipment) for shipment in order.shipments],
                "decisions": {
                    str(key): value for key, value in order.decisions.items()
                },
                "history": [
                    [format_timestamp(when), state] for when, state in order.history
                ],
            }


def _line_record(line):
    return {
        "line_id": str(line.line_id),
        "sku": line.sku,
        "ean": line.ean,
        "quantity": line.quantity,
        "unit_price": str(line.price),
        "line_total": str(line.total),
        "shipping": str(line.shipping_price),
        "fees": str(line.fees),
        "shipping_method": line.shipping_method,
        "state": line.state,
        "active": line.live,
        "tracking_number": line.tracking_number,
        "tracking_company": line.tracking_company,
    }
