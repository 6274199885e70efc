"""Acceptance and shipments on Fnac: orders_update, 25 orders per call.

``accept_orders(items)`` and ``ship_orders(items)`` take at most
``MAX_UPDATE_ORDERS`` items ``(order id, decisions or shipment, raw)`` and
make ONE orders_update call for all of them; they return order id ->
``Outcome`` or the ``mphub.errors`` error of that order (the base keeps it on
the order), and raise only for the whole call (a transient failure: nothing
applied).

- Accept: ``action="accept_order"``, each decided detail ``Accepted`` or
  ``Refused`` (the ids are the order's ``order_detail_id``: no need to read
  the order first).
- Ship: Fnac ships only ``ToShip`` orders, and only their live ``ToShip``
  details: the orders are read first (one orders_query for the call). An
  order already shipped is ``ALREADY``; ``Created`` or ``Accepted`` (billing
  pending) is a ``TransientError`` (asked again later); refused, cancelled,
  refunded or in error a ``RemoteError``. The others go in one
  ``action="confirm_to_send"`` with every live ``ToShip`` detail
  ``Shipped``, its tracking number and ``tracking_company`` (free text in the
  XSD: the carrier's code from carriers_query, else its name).
- Outcomes are read per order from the answer (``status`` OK or WARNING:
  done). An order in error, or missing from the answer, is read back (one
  orders_query for all of them): in the target state it is ``ALREADY`` (an
  earlier attempt whose answer was lost, or the back office), else the
  error names its state and Fnac's reasons. When that reading fails, its
  error is each such order's (the applied ones stay done).
- What the XSDs forbid is refused per order before anything is sent (an
  order id that is not 13 characters, a line id that is not a positive
  number, a tracking number over 32 characters), so that one bad item never
  invalidates the call.
"""

from ..client import Outcome
from ..errors import MphubError, NotFound, RemoteError, TransientError
from . import requests
from .answers import update_results
from .payload import ORDERS_UPDATE_LISTS
from .xmlapi import items as records_of
from .xmlapi import text_of

MAX_UPDATE_ORDERS = 25  # orders per orders_update (fnapy NOTES)
MAX_TRACKING = 32  # string32
MAX_CARRIER = 100  # string100
NOT_YET_SHIPPABLE_DELAY = 300  # seconds before asking again to ship
ACCEPTED_STATES = frozenset(
    {"Accepted", "ToShip", "Shipped", "NotReceived", "Received"}
)
SHIPPED_STATES = frozenset({"Shipped", "NotReceived", "Received"})
NOT_YET_SHIPPABLE = frozenset({"Created", "Accepted"})
LIVE_DETAIL_STATES = frozenset({"ToShip"})


def _order_id_problem(order_id):
    if len(order_id) != requests.ORDER_ID_LENGTH:
        return NotFound(
            f"{order_id[:40]!r} is not a Fnac order id "
            f"({requests.ORDER_ID_LENGTH} characters)"
        )
    return None


def _detail_id(value):
    text = str(value).strip()
    if text.isascii() and text.isdigit() and int(text) > 0 and len(text) <= 9:
        return str(int(text))
    return None


class FnacStatusMixin:
    """Order verbs of ``FnacClient`` (needs ``_post`` and ``get_orders``)."""

    status_batch_size = MAX_UPDATE_ORDERS

    def accept_order(self, external_id, decisions, raw=None):
        return self._single(self.accept_orders, external_id, decisions, raw)

    def ship_order(self, external_id, shipment):
        return self._single(self.ship_orders, external_id, shipment, None)

    @staticmethod
    def _single(verb, external_id, what, raw):
        outcome = verb([(external_id, what, raw)])[str(external_id)]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    @staticmethod
    def _check_size(items):
        if len(items) > MAX_UPDATE_ORDERS:
            raise ValueError(
                f"orders_update takes {MAX_UPDATE_ORDERS} orders at most, "
                f"not {len(items)}"
            )

    # -- acceptance ----------------------------------------------------------
    def accept_orders(self, items):
        self._check_size(items)
        outcomes, orders, targets = {}, [], {}
        for external_id, decisions, _raw in items:
            order_id = str(external_id)
            details, problem = _decided_details(order_id, decisions)
            if problem is not None:
                outcomes[order_id] = problem
                continue
            orders.append((order_id, "accept_order", details))
            accepting = any(detail["action"] == "Accepted" for detail in details)
            targets[order_id] = ACCEPTED_STATES if accepting else frozenset({"Refused"})
        if orders:
            outcomes.update(self._update(orders, targets, "accept"))
        return outcomes

    # -- shipments -----------------------------------------------------------
    def ship_orders(self, items):
        self._check_size(items)
        outcomes, shipments = {}, {}
        for external_id, shipment, _raw in items:
            order_id = str(external_id)
            problem = _order_id_problem(order_id) or _shipment_problem(
                order_id, shipment
            )
            if problem is not None:
                outcomes[order_id] = problem
            else:
                shipments[order_id] = shipment
        current = self._current(list(shipments))
        orders = []
        for order_id, shipment in shipments.items():
            raw = current.get(order_id)
            details = _shipped_details(raw, shipment) if raw else []
            if details and text_of(raw.get("state")) == "ToShip":
                orders.append((order_id, "confirm_to_send", details))
            else:
                outcomes[order_id] = _after_refusal(
                    order_id, raw, SHIPPED_STATES, "ship"
                )
        if orders:
            targets = dict.fromkeys((order[0] for order in orders), SHIPPED_STATES)
            outcomes.update(self._update(orders, targets, "ship"))
        return outcomes

    # -- the call and its outcomes -------------------------------------------
    def _current(self, order_ids):
        """order id -> the order as Fnac shows it now (missing: left out)."""
        if not order_ids:
            return {}
        return {
            text_of(raw.get("order_id")): raw
            for raw in self.get_orders(order_ids)
            if isinstance(raw, dict)
        }

    def _update(self, orders, targets, action):
        """One orders_update of ``orders``; order id -> outcome."""
        doc = self._post(
            "orders_update", requests.orders_update(orders), ORDERS_UPDATE_LISTS
        )
        results = update_results(doc)
        outcomes, doubtful = {}, {}
        for order_id, _action, _details in orders:
            result = results.get(order_id)
            if result is not None and result.applied:
                outcomes[order_id] = Outcome.DONE
            else:
                doubtful[order_id] = (
                    result.reason if result else "the answer does not name the order"
                )
        if doubtful:
            try:
                current = self._current(list(doubtful))
            except MphubError as err:
                # what was applied stays done; the others are asked again
                outcomes.update(dict.fromkeys(doubtful, err))
                return outcomes
            for order_id, reason in doubtful.items():
                outcomes[order_id] = _after_refusal(
                    order_id, current.get(order_id), targets[order_id], action, reason
                )
        return outcomes


def _decided_details(order_id, decisions):
    """The details of an acceptance, or the error that keeps the order out
    of the call."""
    problem = _order_id_problem(order_id)
    if problem is not None:
        return None, problem
    if not decisions:
        return None, RemoteError(f"order {order_id}: no line decided, nothing to send")
    details = []
    for line_id, accepted in decisions.items():
        detail_id = _detail_id(line_id)
        if detail_id is None:
            return None, RemoteError(
                f"order {order_id}: {str(line_id)[:40]!r} is not a Fnac line id"
            )
        details.append(
            {
                "order_detail_id": detail_id,
                "action": "Accepted" if accepted else "Refused",
            }
        )
    return details, None


def _shipment_problem(order_id, shipment):
    tracking = (shipment.tracking_number or "").strip()
    if len(tracking) > MAX_TRACKING:
        return RemoteError(
            f"order {order_id}: the tracking number {tracking[:60]!r} is longer than "
            f"the {MAX_TRACKING} characters Fnac takes"
        )
    return None


def _shipped_details(raw, shipment):
    """The ``Shipped`` details of the live ``ToShip`` lines of ``raw`` (of
    ``shipment.lines`` only, when it names lines)."""
    chosen = {_detail_id(line) for line in shipment.lines} if shipment.lines else None
    carrier = (shipment.carrier_code or shipment.carrier_name or "").strip()
    details = []
    for detail in records_of(raw.get("order_detail")):
        detail_id = _detail_id(text_of(detail.get("order_detail_id")))
        if detail_id is None or text_of(detail.get("state")) not in LIVE_DETAIL_STATES:
            continue
        if chosen is not None and detail_id not in chosen:
            continue
        details.append(
            {
                "order_detail_id": detail_id,
                "action": "Shipped",
                "tracking_number": (shipment.tracking_number or "").strip() or None,
                "tracking_company": carrier[:MAX_CARRIER] or None,
            }
        )
    return details


def _after_refusal(order_id, raw, target, action, reason=None):
    """The outcome of an order not (or not surely) updated, from its state
    read back: ``ALREADY`` in the target state, a wait for an order not
    shippable yet, else an error saying its state."""
    if raw is None:
        return NotFound(f"orders_query: order {order_id} is not known to Fnac")
    state = text_of(raw.get("state")) or "without a state"
    if state in target:
        return Outcome.ALREADY
    said = f" ({reason})" if reason else ""
    if action == "ship" and state in NOT_YET_SHIPPABLE:
        return TransientError(
            f"order {order_id} is {state} on Fnac, not ToShip yet (billing "
            f"pending): it will be shipped later{said}",
            retry_after=NOT_YET_SHIPPABLE_DELAY,
        )
    if action == "ship" and state == "ToShip":
        return RemoteError(
            f"orders_update: order {order_id} has no line to ship on Fnac{said}",
            code="no_line_to_ship",
        )
    return RemoteError(
        f"orders_update: cannot {action} order {order_id}: it is {state} on Fnac{said}",
        code="order_state",
    )
