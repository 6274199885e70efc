"""The Fnac Darty services on the sandbox framework: the protocol (error
documents valid against each service's XSD), the request checks (XSD
validation, header, token) and the auth, orders and carriers services. The
offers, pricing, messages and incidents services are in
``fnac_offer_services`` and ``fnac_message_services``.

Root-level error codes (Fnac documents none but ERR_096 and ERR_105; the
others are the sandbox's, clients must not rely on them):

- ERR_001 authentication failed (auth); ERR_002 invalid or expired token;
  ERR_003 unknown partner_id / shop_id, or a required attribute missing;
- ERR_096 XML Validation failed (against the official XSD, when given);
- ERR_103 more than 10,000 offers in offers_update; ERR_104 more than 25
  orders in orders_update (nothing applied); ERR_105 more than 10 products
  in pricing_query; ERR_106 a bad value (paging, dates...); ERR_107 more than
  50 ids in orders_fnac_id (or incidents' orders).

Per-order errors of orders_update (``<order><status>ERROR</status>``, the
others applied): ERR_110 unknown order, ERR_111 not Created, ERR_112 a line
in the wrong state, ERR_113 not ToShip ("order is Accepted, not yet ToShip"
while billing is pending), ERR_114 unknown line, ERR_115 an action that does
not go with the order's.
"""

import uuid

from ..http import local_name
from .fnac_data import CARRIERS, NS, fnac_datetime
from .fnac_message_services import FnacMessageServicesMixin
from .fnac_offer_services import FnacOfferServicesMixin
from .fnac_orders_query import OrdersQueryMixin
from .fnac_requests import children, fail, text_of
from .fnac_store import StoreError
from .fnac_validation import Schemas, xsd_available
from .fnac_xml import (
    answer,
    carrier_el,
    document,
    error_el,
    pricing_error_el,
    update_result_el,
)
from .protocols import XmlPost
from .server import HttpError

SERVICES = (
    "auth",
    "orders_query",
    "orders_update",
    "carriers_query",
    "offers_update",
    "batch_status",
    "offers_query",
    "pricing_query",
    "messages_query",
    "messages_update",
    "incidents_query",
)
MAX_UPDATED_ORDERS = 25
TOKEN_ERROR = ("ERR_002", "Invalid or expired token")
AUTH_ERROR = (
    "ERR_001",
    "Authentication failed : one of the parameters (partner_id, key, shop_id) is "
    "invalid",
)


class FnacXmlPost(XmlPost):
    """Fnac's error documents: ``<{service}_response status="ERROR">`` with
    ``error`` elements where the service's XSD puts them (messages_query:
    after its two required counts; pricing_query has no root error: one
    ``pricing_product`` per requested reference carries it)."""

    def error_document(self, err):
        errors = err.errors or []
        if not errors and err.status == 401:  # the framework's expired credentials
            errors = [{"code": TOKEN_ERROR[0], "message": TOKEN_ERROR[1]}]
        errors = errors or [{"message": err.message}]
        severity = "FATAL" if err.status >= 500 else "ERROR"
        items = [(e.get("code"), e.get("message") or err.message) for e in errors]
        operation = err.operation
        if operation == "pricing_query":
            body = "".join(
                pricing_error_el(kind, value, code, message)
                for kind, value in _references(err.request)
                for code, message in items[:1]
            )
        else:
            body = "".join(error_el(code, message, severity) for code, message in items)
            if operation == "messages_query":
                body = (
                    "<messages_unread_result>0</messages_unread_result>"
                    "<messages_read_result>0</messages_read_result>" + body
                )
        if operation is None:
            return (
                f'<response xmlns="{NS}" status="{severity}">{body}</response>'
            ).encode()
        return document(self.error_root(operation), severity, body)


def _references(request):
    """(type, value) of the product references of a pricing_query request
    (for its error document); values outside the XSD's pattern are
    blanked."""
    try:
        root = request.xml()
    except HttpError:
        return []
    references = []
    for element in children(root, "product_reference"):
        value = text_of(element)
        if not all(c.isdigit() or c == "X" or "A" <= c <= "Z" for c in value):
            value = ""
        kind = element.get("type") or "Ean"
        if kind not in ("FnacId", "PartnerId", "Ean", "Isbn", "PartNumber", "CnetId"):
            kind = "Ean"
        references.append((kind, value))
    return references


class FnacServicesMixin(
    OrdersQueryMixin, FnacOfferServicesMixin, FnacMessageServicesMixin
):
    """Routes, checks, and the auth / orders / carriers services; the
    emulator gives ``store``, ``protocol``, ``partner_id``, ``lock``."""

    schemas = None

    def init_validation(self, directory):
        """Validate requests against the XSDs of ``directory`` (when it holds
        them)."""
        self.schemas = Schemas(directory) if xsd_available(directory) else None

    def register_services(self):
        for service in SERVICES:
            handler = getattr(self, f"_{service}")
            self.route(
                "POST", f"/api.php/{service}", service, handler, protocol=self.protocol
            )

    # -- hooks -----------------------------------------------------------------
    def caller_key(self, request):
        """The root's token (the shop_id for auth); never raises."""
        try:
            root = request.xml()
        except HttpError:
            return ""
        if local_name(root.tag) == "auth":
            return text_of(root, "shop_id", "")
        return root.get("token") or ""

    def authenticate(self, request):
        """The request validated (XSD when given), its header checked; the
        shop it speaks for (None for auth)."""
        if self.schemas is not None:
            problem = self.schemas.validate(request.operation, request.body)
            if problem:
                message = f"XML Validation failed: {problem}"
                raise fail("ERR_096", message)
        if request.operation == "auth":
            return None
        root = request.xml()
        partner_id, shop_id = root.get("partner_id"), root.get("shop_id")
        if not partner_id or not shop_id:
            raise fail("ERR_003", "The partner_id and shop_id attributes are required")
        shop = self.store.shops.get(shop_id)
        if partner_id != self.partner_id or shop is None:
            raise fail("ERR_003", "Unknown partner_id or shop_id")
        token = root.get("token")
        if not token or self.store.token_shop(token) != shop.shop_id:
            raise fail(*TOKEN_ERROR)
        return shop

    # -- auth ------------------------------------------------------------------
    def _auth(self, request, caller):
        root = request.xml()
        shop = self.store.check_credentials(
            text_of(root, "partner_id"), text_of(root, "shop_id"), text_of(root, "key")
        )
        if shop is None:
            raise fail(*AUTH_ERROR)
        token = str(uuid.uuid4())
        validity = self.store.issue_token(shop, token)
        body = (
            f"<token>{token}</token><validity>{fnac_datetime(validity)}</validity>"
            f"<version>2.6.0</version>"
        )
        return answer("auth_response", "OK", body)

    # -- carriers --------------------------------------------------------------
    def _carriers_query(self, request, shop):
        query = text_of(request.xml(), "query")
        if query != "all":
            raise fail("ERR_106", "carriers_query: query must be 'all'")
        body = "".join(carrier_el(code, name) for code, name in CARRIERS)
        return answer("carriers_query_response", "OK", body)

    # -- orders_update ---------------------------------------------------------
    def _orders_update(self, request, shop):
        orders = children(request.xml(), "order")
        call = {
            "orders": [element.get("order_id") for element in orders],
            "actions": [element.get("action") for element in orders],
            "status": "ERROR",
        }
        self.store.log_update_call(shop, call)
        if not orders:
            raise fail("ERR_106", "orders_update: at least one order is required")
        if len(orders) > MAX_UPDATED_ORDERS:
            raise fail(
                "ERR_104",
                f"orders_update: at most {MAX_UPDATED_ORDERS} orders per call, "
                f"not {len(orders)}: nothing applied",
            )
        with self.lock:
            results = [self._update_order(shop, element) for element in orders]
        failed = sum(1 for result in results if result["status"] == "ERROR")
        status = (
            "OK" if not failed else "ERROR" if failed == len(results) else "WARNING"
        )
        call["status"] = status
        body = "".join(update_result_el(result) for result in results)
        return answer("orders_update_response", status, body)

    def _update_order(self, shop, element):
        order_id, action = element.get("order_id") or "", element.get("action") or ""
        result = {"order_id": order_id, "status": "OK", "errors": []}
        try:
            order = self.store.find(order_id, shop)
            details = [_detail(item) for item in children(element, "order_detail")]
            touched = self._apply(order, action, details)
        except StoreError as err:
            result.update(status="ERROR", errors=[(err.code, err.message)])
            try:
                result["state"] = self.store.find(order_id, shop).state
            except StoreError:
                pass
            return result
        by_id = {line.line_id: line for line in order.lines}
        result["state"] = order.state
        result["details"] = [(i, "OK", by_id[i].state, ()) for i in touched]
        return result

    def _apply(self, order, action, details):
        """Apply one order of orders_update; returns the line ids touched."""
        store = self.store
        if action in ("accept_order", "accept_all_orders"):
            decisions = self._decisions(order, action, details)
            return store.decide(order, decisions)
        if action in ("confirm_to_send", "confirm_all_to_send") or (
            action in ("update", "update_all") and _actions(details) == {"Shipped"}
        ):
            tracking = self._tracking(order, action, details, "Shipped", "ToShip")
            return store.ship(order, tracking, action)["line_ids"]
        if action in ("update", "update_all"):
            tracking = self._tracking(order, action, details, "Updated", "Shipped")
            store.update_tracking(order, tracking)
            return list(tracking)
        if action == "refund_order":
            _expect(details, "Refunded", action)
            line_ids = [d["id"] for d in details if d["id"] is not None]
            store.refund(order, line_ids or [line.line_id for line in order.live_lines])
            return line_ids
        if action == "receive_all_order":
            store.receive(order)
            return [line.line_id for line in order.live_lines]
        raise StoreError("ERR_115", f"Unknown order action {action!r}")

    @staticmethod
    def _decisions(order, action, details):
        _expect(details, ("Accepted", "Refused"), action)
        if action == "accept_all_orders":
            decision = details[0]["action"] if details else "Accepted"
            return {
                line.line_id: decision
                for line in order.lines
                if line.state == "ToAccept"
            }
        missing = [d for d in details if d["id"] is None]
        if missing:
            raise StoreError(
                "ERR_114", "accept_order: every order_detail needs its order_detail_id"
            )
        return {d["id"]: d["action"] for d in details}

    @staticmethod
    def _tracking(order, action, details, wanted, line_state):
        _expect(details, wanted, action)
        if action.endswith("_all") or action == "confirm_all_to_send":
            first = details[0] if details else {}
            pair = (first.get("tracking_number"), first.get("tracking_company"))
            return {
                line.line_id: pair for line in order.lines if line.state == line_state
            }
        if any(d["id"] is None for d in details):
            raise StoreError(
                "ERR_114", f"{action}: every order_detail needs its order_detail_id"
            )
        return {d["id"]: (d["tracking_number"], d["tracking_company"]) for d in details}


def _detail(element):
    line_id = text_of(element, "order_detail_id")
    if line_id is not None:
        if not line_id.isdigit():
            raise StoreError("ERR_114", f"Invalid order_detail_id {line_id!r}")
        line_id = int(line_id)
    return {
        "id": line_id,
        "action": text_of(element, "action") or "",
        "tracking_number": text_of(element, "tracking_number"),
        "tracking_company": text_of(element, "tracking_company"),
    }


def _actions(details):
    return {detail["action"] for detail in details}


def _expect(details, wanted, action):
    wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    wrong = sorted(_actions(details) - set(wanted))
    if wrong:
        raise StoreError(
            "ERR_115",
            f"Detail action(s) {', '.join(wrong)} do not go with order action {action}",
        )
