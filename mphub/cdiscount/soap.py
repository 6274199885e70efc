"""The Cdiscount SOAP Marketplace API client (zeep), for the accounts that
still have access (Octopia is closing it: a closed service answers 403/404,
a ``ConfigError`` telling to switch the account to Octopia REST).

- Token: ``GET <sts_url>?realm=<soap_url>`` with HTTP Basic auth (the API
  login and password) gives a token valid 48 hours, kept in the
  ``TokenStore`` and renewed before it expires; a ``RequestTokenValidation
  Error`` fault drops it and the call is made once more with a new one.
- zeep loads the WSDL from the service it talks to (``<soap_url>?wsdl``,
  parsed once per process and URL) and every call goes through the
  client's ``mphub.http.HttpTransport``: one timeout and deadline, one
  error mapping (a Fault answered with 500 is the service's verdict, a
  front end's 429/5xx page is transient), secrets masked everywhere; zeep
  itself logs nothing of the envelopes.
- ``GetOrderList`` has no paging: the client pages itself. A light list of
  the window (no lines) gives the order numbers, sorted by (last change,
  number); each page then asks the next ``page_size`` of them by
  ``OrderReferenceList`` with their lines and parcels. The page token
  carries the last (change, number) read and the window, so an order that
  changes while the walk goes on moves behind it and none is skipped.
- ``ValidateOrderList`` addresses lines by ``SellerProductId``: the order is
  read again to map its RowIds to SKUs; ``OrderState`` is always sent (an
  omitted one reads as ``CancelledByCustomer`` in WCF). The API ships whole
  orders (``ships_per_delivery`` False: the base ships once, when the last
  delivery is done).
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from ..canonical import OrderStatus
from ..client import MarketplaceClient, OrderPage, Outcome
from ..errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    NotFound,
    RemoteError,
    TransientError,
)
from ..http import DEFAULT_TIMEOUT, HttpTransport, clean_secret
from ..offers import OfferRow
from ..tokens import TokenKeeper, utc_now
from . import common, soap_answers, soap_mapping
from .package import build_offer_package, package_name
from .soap_transport import SoapService, soap_transport, token_refused

TOKEN_LIFETIME = timedelta(hours=48)
MAX_PAGE_SIZE = 100  # orders asked by reference per GetOrderList
MAX_OFFER_LIST = 1000  # SKUs asked per GetOfferList
# seconds before asking again to ship an order not paid yet
NOT_YET_SHIPPABLE_DELAY = 300
# every OrderStateEnum value: GetOrderList filters by date only together
# with another criterion, and a window must hold orders in any state
ORDER_STATES = (
    "CancelledByCustomer WaitingForSellerAcceptation AcceptedBySeller "
    "PaymentInProgress WaitingForShipmentAcceptation Shipped RefusedBySeller "
    "AutomaticCancellation PaymentRefused ShipmentRefusedBySeller None "
    "ValidatedFianet RefusedNoShipment AvailableOnStore NonPickedUpByCustomer "
    "PickedUp ServiceCanceled PendingShipmentForAssociatedProduct "
    "BlockedWaitingForTreatment BlockedWaitingForProof "
    "BlockedRepeatedLitigationSuspicion BlockedFraudSuspicion BlockedConfirmed "
    "FinishedGenerixUpdate BlockedRepeatedLitigationSuspicionConfirmation "
    "BlockedFraudSuspicionConfirmation CegidDown BlockedAutomaticCds "
    "BeingCancelled BeingModified RequestGoingToGnx PartialInGnx "
    "BeingValidatedFianet BlockedMarketplaceService"
).split()
ACCEPTED = (
    OrderStatus.ACCEPTED,
    OrderStatus.TO_SHIP,
    *OrderStatus.SHIPPED_OR_LATER,
)


@dataclass(frozen=True)
class Cursor:
    """Where an order walk stands: the window (``end`` None: open, the
    service's clock and ours may differ) and the last order read."""

    begin: datetime
    end: datetime | None = None
    after: tuple | None = None  # (last change, OrderNumber) of the last order

    def dump(self):
        when, number = self.after
        return "|".join((_stamp(self.begin), _stamp(self.end), _stamp(when), number))

    @classmethod
    def load(cls, page):
        parts = str(page).split("|")
        try:
            if len(parts) != 4 or not all(parts[i] for i in (0, 2, 3)):
                raise ValueError("not a page token")
            begin, last = (_aware(parts[i]) for i in (0, 2))
            end = _aware(parts[1]) if parts[1] else None
        except ValueError:
            raise InvalidPayload(
                f"GetOrderList: page {str(page)[:60]!r} is not a page of this client"
            ) from None
        return cls(begin, end, (last, parts[3]))


def _aware(text):
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("naive date")
    return when


def _stamp(when):
    return when.astimezone(timezone.utc).isoformat() if when else ""


def _paris(when):
    """An aware datetime as the naive Paris time the service speaks."""
    return when.astimezone(common.PARIS).replace(tzinfo=None)


class CdiscountSoap(MarketplaceClient):
    """The business verbs on the SOAP Marketplace API."""

    capabilities = frozenset(
        {"accept", "ship", "listings", "push_offers", "push_status", "carriers"}
    )
    pushes_both = True
    # a StockAndPrice package replaces both: each row needs both values
    complete_offer_rows = True
    ships_per_delivery = False
    max_push_rows = 5000

    def __init__(
        self,
        *,
        soap_url,
        sts_url,
        login,
        password,
        timeout=DEFAULT_TIMEOUT,
        token_store=None,
        package_host=None,
        page_size=MAX_PAGE_SIZE,
    ):
        self.soap_url = (soap_url or "").strip().rstrip("/")
        self.login = clean_secret(login)
        password = clean_secret(password)
        if not self.login or not password:
            raise ConfigError("The Cdiscount API login and password are not set.")
        self.package_host = package_host
        self.page_size = max(1, min(int(page_size or MAX_PAGE_SIZE), MAX_PAGE_SIZE))
        self.transport = soap_transport(self.soap_url, timeout, (password,))
        self.sts = HttpTransport(sts_url, timeout=timeout, secrets=(password,))
        self.sts.session.auth = (self.login, password)
        self.keeper = TokenKeeper(
            token_store, (self.sts.base_url, self.login), self._fetch_token
        )
        self.service = SoapService(self.transport)
        self._carrier_links = None  # carrier code -> DefaultURL, read once

    def close(self):
        self.transport.close()
        self.sts.close()

    # -- plumbing ------------------------------------------------------------
    def _secret(self, token):
        """Mask ``token`` in every message of both transports."""
        for transport in (self.transport, self.sts):
            if token not in transport.secrets:
                transport.secrets = (*transport.secrets[-8:], token)

    def _fetch_token(self):
        try:
            response = self.sts.request(
                "GET", "/", operation="sts", params={"realm": self.soap_url}
            )
        except AuthError as err:
            raise AuthError(
                f"sts: HTTP {err.status}: Cdiscount refused the API login "
                f"{self.login!r} and its password",
                status=err.status,
            ) from None
        token = soap_answers.read_sts_token(response.content)
        self._secret(token)
        return token, utc_now() + TOKEN_LIFETIME

    @staticmethod
    def _header(token):
        return {
            "Context": {"CatalogID": 1, "SiteID": 100},
            "Localization": {"Country": "Fr", "Currency": "Eur", "Language": "Fr"},
            "Security": {
                "DomainRightsList": None,
                "IssuerID": None,
                "SessionID": None,
                "TokenId": token,
                "UserName": "",
            },
            "Version": "1.0",
        }

    def _call(self, operation, **arguments):
        """Call ``operation`` with a valid token; the plain answer of an
        operation that succeeded (``soap_answers.check_success``)."""

        def attempt(token):
            self._secret(token)
            result = self.service.call(operation, self._header(token), **arguments)
            return soap_answers.check_success(result, operation)

        return self.keeper.call(attempt, token_refused)

    # -- orders --------------------------------------------------------------
    def external_id(self, raw):
        return soap_mapping.external_id(raw)

    def raw_state(self, raw):
        return soap_mapping.raw_state(raw)

    def map_order(self, raw):
        return soap_mapping.map_order(raw)

    def test_connection(self):
        return soap_answers.read_seller(self._call("GetSellerInformation"))

    def list_orders(self, updated_since, page=None, updated_before=None):
        if page:
            cursor = Cursor.load(page)
        else:
            cursor = Cursor(updated_since, updated_before)
        keys, headless = self._window(cursor)
        chosen = keys[: self.page_size]
        orders = self._orders_by_number([number for _when, number in chosen])
        more = len(keys) > len(chosen)
        return OrderPage(
            orders=headless + orders,
            next_page=Cursor(cursor.begin, cursor.end, chosen[-1]).dump()
            if more
            else None,
            total=len(keys) + len(headless) if cursor.after is None else None,
        )

    def _window(self, cursor):
        """The (last change, number) keys of the orders of the window after
        the cursor, sorted; and, on the first page, the light records
        without a usable number (kept by the base in error)."""
        begin = cursor.begin
        if cursor.after is not None:  # the bound's inclusivity is unsaid
            begin = max(begin, cursor.after[0] - timedelta(seconds=1))
        # each bound goes with its pair (the service misbehaves otherwise)
        window = {"Begin": _paris(begin)}
        if cursor.end is not None:
            window["End"] = _paris(cursor.end)
        bounds = {
            f"{edge}{kind}": when
            for edge, when in window.items()
            for kind in ("CreationDate", "ModificationDate")
        }
        result = self._call(
            "GetOrderList",
            orderFilter={
                **bounds,
                "FetchOrderLines": False,
                "FetchParcels": False,
                "States": {"OrderStateEnum": ORDER_STATES},
            },
        )
        keys, headless = set(), []
        for order in soap_answers.read_order_list(result):
            key = soap_answers.order_key(order)
            if key is None:
                headless.append(order)
            elif cursor.after is None or key > cursor.after:
                keys.add(key)
        return sorted(keys), headless if cursor.after is None else []

    def _orders_by_number(self, numbers):
        """The full orders (lines, parcels) of ``numbers``, in that order."""
        found = {}
        for start in range(0, len(numbers), MAX_PAGE_SIZE):
            chunk = numbers[start : start + MAX_PAGE_SIZE]
            result = self._call(
                "GetOrderList",
                orderFilter={
                    "FetchOrderLines": True,
                    "FetchParcels": True,
                    "OrderReferenceList": {"string": chunk},
                },
            )
            for order in soap_answers.read_order_list(result):
                number = soap_mapping.external_id(order)
                if number in chunk:
                    found.setdefault(number, order)
        return [found[number] for number in numbers if number in found]

    def get_orders(self, external_ids):
        numbers = list(dict.fromkeys(str(i) for i in external_ids if i))
        return self._orders_by_number(numbers)

    def _order(self, number):
        """The order ``number`` read again: (raw, canonical status)."""
        orders = self._orders_by_number([number])
        if not orders:
            raise NotFound(f"GetOrderList: order {number} is not known to Cdiscount")
        raw = orders[0]
        return raw, soap_mapping.raw_state(raw)[0]

    def accept_order(self, external_id, decisions, raw=None):
        """Accept or refuse the decided lines. The lines are addressed by
        SKU from the stored payload ``raw`` when it holds them (lines do not
        change: one call); otherwise the order is read first. A state error
        of ``ValidateOrderList`` reads the order again either way."""
        number = str(external_id)
        if not decisions:
            raise RemoteError(f"order {number}: no line decided, nothing to send")
        accepting = any(decisions.values())
        target = ACCEPTED if accepting else (OrderStatus.REFUSED,)
        if not _has_lines(raw, number, decisions):
            raw, status = self._order(number)
            if status != OrderStatus.WAITING_ACCEPTANCE:
                return self._after_refusal(number, raw, status, target, "accept")
        lines = _decided_lines(raw, decisions)
        order = {
            "OrderNumber": number,
            "OrderState": "AcceptedBySeller" if accepting else "RefusedBySeller",
            "OrderLineList": {"ValidateOrderLine": lines},
        }
        return self._validate(number, order, target, "accept")

    def ship_order(self, external_id, shipment):
        number = str(external_id)
        raw, status = self._order(number)
        if soap_mapping.is_fulfilment(raw):
            raise RemoteError(
                f"order {number} is delivered by Cdiscount (fulfilment): the "
                "seller does not ship it"
            )
        if status != OrderStatus.TO_SHIP:
            return self._after_refusal(
                number, raw, status, OrderStatus.SHIPPED_OR_LATER, "ship"
            )
        order = {
            "CarrierName": shipment.carrier_code or shipment.carrier_name,
            "OrderLineList": {"ValidateOrderLine": _shipped_lines(raw)},
            "OrderNumber": number,
            "OrderState": "Shipped",
            "TrackingNumber": shipment.tracking_number,
            "TrackingUrl": self._tracking_url(shipment),
        }
        return self._validate(number, order, OrderStatus.SHIPPED_OR_LATER, "ship")

    def _tracking_url(self, shipment):
        """The shipment's tracking URL; for a carrier of Cdiscount's list
        (``carrier_code``), the carrier's link (``DefaultURL``) with the
        tracking number."""
        if shipment.carrier_url or not shipment.carrier_code:
            return shipment.carrier_url
        if self._carrier_links is None:
            self._carrier_links = {
                carrier["code"]: carrier["tracking_url"]
                for carrier in self.list_carriers()
            }
        template = self._carrier_links.get(shipment.carrier_code)
        return common.tracking_link(template, shipment.tracking_number)

    def _validate(self, number, order, target, action):
        """Send one ``ValidateOrder``; a state error means another attempt
        (or a person) got there first: the order is read again."""
        result = self._call(
            "ValidateOrderList",
            validateOrderListMessage={"OrderList": {"ValidateOrder": [order]}},
        )
        validated, errors = soap_answers.read_validation(result, number)
        if validated:
            return Outcome.DONE
        kinds = {kind for kind, _message in errors}
        reason = soap_answers.describe(errors)
        if kinds & soap_answers.STATE_ERRORS:
            raw, status = self._order(number)
            return self._after_refusal(number, raw, status, target, action, reason)
        raise RemoteError(
            f"ValidateOrderList: Cdiscount refused to {action} order {number}: "
            f"{reason}",
            code=next(iter(sorted(kinds)), None),
        )

    @staticmethod
    def _after_refusal(number, raw, status, target, action, reason=None):
        """The outcome for an order not in the state the action needs:
        ALREADY when it is in the target state, a wait when it is not
        shippable yet, else a ``RemoteError`` saying its state."""
        state = soap_mapping.raw_state(raw)[1]
        if status in target:
            return Outcome.ALREADY
        said = f" ({reason})" if reason else ""
        if action == "ship" and status in (
            OrderStatus.ACCEPTED,
            OrderStatus.PENDING,
        ):
            raise TransientError(
                f"order {number} is {state} on Cdiscount, not ready to ship yet{said}",
                retry_after=NOT_YET_SHIPPABLE_DELAY,
            )
        raise RemoteError(
            f"ValidateOrderList: cannot {action} order {number}: it is {state} on "
            f"Cdiscount{said}",
            code="OrderStateIncoherent",
        )

    def list_carriers(self):
        return soap_answers.read_carriers(self._call("GetGlobalConfiguration"))

    # -- offers --------------------------------------------------------------
    def push_offers(self, rows):
        if self.package_host is None:
            raise ConfigError("the account cannot host offer packages for Cdiscount")
        rows = self._completed(rows)
        stamp = utc_now().strftime("%Y%m%d%H%M%S%f")
        name = package_name(f"mphub-{self.login}-{stamp}")
        url = self.package_host(f"{name}.zip", build_offer_package(rows, name))
        result = self._call(
            "SubmitOfferPackage", offerPackageRequest={"ZipFileFullPath": url}
        )
        return soap_answers.read_package_id(result)

    def _completed(self, rows):
        """``rows`` with what a row lacks taken from the offer as Cdiscount
        shows it (GetOfferList): a ``StockAndPrice`` package needs the
        price, the stock and the EAN of every offer. A ``RemoteError`` names
        the offers whose price or stock neither knows."""
        lacking = [
            row.sku for row in rows if None in (row.price, row.quantity, row.ean)
        ]
        if not lacking:
            return rows
        shown = {}
        for start in range(0, len(lacking), MAX_OFFER_LIST):
            chunk = lacking[start : start + MAX_OFFER_LIST]
            result = self._call(
                "GetOfferList", offerFilter={"SellerProductIdList": {"string": chunk}}
            )
            shown.update(soap_answers.offer_values(result))
        completed = []
        for row in rows:
            offer = shown.get(row.sku)
            if offer is not None:
                row = replace(
                    row,
                    price=offer.price if row.price is None else row.price,
                    quantity=offer.quantity if row.quantity is None else row.quantity,
                    ean=row.ean or next(iter(offer.eans), None),
                )
            completed.append(row)
        unknown = [row.sku for row in completed if None in (row.price, row.quantity)]
        if unknown:
            raise RemoteError(
                "a Cdiscount StockAndPrice package needs the price and the stock "
                f"of every offer; unknown for {', '.join(unknown[:20])}"
            )
        return completed

    def push_stock(self, rows):
        return self.push_offers(
            [OfferRow(row.sku, quantity=row.quantity) for row in rows]
        )

    def push_prices(self, rows):
        return self.push_offers([OfferRow(row.sku, price=row.price) for row in rows])

    def push_status(self, kind, batch_id, skus=None):
        text = str(batch_id or "")
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise InvalidPayload(
                f"package id {text[:40]!r} is not a Cdiscount package id"
            )
        result = self._call(
            "GetOfferPackageSubmissionResult",
            offerPackageFilter={"PackageID": int(text)},
        )
        return soap_answers.package_status(result)

    def list_listings(self, page=None):
        number = soap_answers.read_page_number(page)
        result = self._call("GetOfferListPaginated", offerFilter={"PageNumber": number})
        return soap_answers.listing_page(result, number)

    def listing_parts(self, raw):
        return soap_answers.listing_parts(raw)


def _order_lines(raw):
    """The order lines of a raw order that name a SKU."""
    return [
        line
        for line in soap_answers.items(raw.get("OrderLineList"), "OrderLine")
        if isinstance(line, dict)
        and isinstance(line.get("SellerProductId"), str)
        and line["SellerProductId"].strip()
    ]


def _validate_line(line, state):
    return {
        "AcceptationState": state,
        "ProductCondition": line.get("ProductCondition") or "New",
        "SellerProductId": line["SellerProductId"],
    }


def _shipped_lines(raw):
    """The ``ValidateOrderLine`` of the accepted goods, one per SKU (the
    API cannot tell two lines of a SKU apart)."""
    lines = {}
    for line in _order_lines(raw):
        sku = line["SellerProductId"]
        if line.get("AcceptationState") == "AcceptedBySeller" and not common.is_fee(
            sku
        ):
            lines.setdefault(sku, _validate_line(line, "ShippedBySeller"))
    return list(lines.values())


def _has_lines(raw, number, decisions):
    """Whether the stored payload ``raw`` is order ``number`` with a line
    of every decided RowId (a payload of the light list has none)."""
    if not isinstance(raw, dict) or soap_mapping.external_id(raw) != number:
        return False
    try:
        rows = {str(line.get("RowId")) for line in _order_lines(raw)}
    except (AttributeError, KeyError, TypeError):
        return False
    return set(map(str, decisions)) <= rows


def _decided_lines(raw, decisions):
    """The ``ValidateOrderLine`` of the decided lines (``decisions``: RowId
    -> accepted), addressed by SKU; the fee lines follow the order."""
    accepting = any(decisions.values())
    chosen, known = {}, set()
    for line in _order_lines(raw):
        row_id = str(line.get("RowId"))
        known.add(row_id)
        sku = line["SellerProductId"]
        accepted = decisions.get(row_id)
        if accepted is None and common.is_fee(sku):
            accepted = accepting
        if accepted is None:
            continue
        state = "AcceptedBySeller" if accepted else "RefusedBySeller"
        if (
            chosen.setdefault(sku, _validate_line(line, state))["AcceptationState"]
            != state
        ):
            raise RemoteError(
                f"order {raw.get('OrderNumber')}: two lines of SKU {sku} have "
                "different decisions, and Cdiscount's SOAP API addresses lines "
                "by SKU only: decide them alike"
            )
    unknown = sorted(set(map(str, decisions)) - known)
    if unknown:
        raise RemoteError(
            f"order {raw.get('OrderNumber')} has no line {', '.join(unknown)} "
            "on Cdiscount"
        )
    return list(chosen.values())
