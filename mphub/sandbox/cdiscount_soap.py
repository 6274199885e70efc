"""The legacy SOAP Marketplace API of the Cdiscount emulator.

``CdiscountSoapMixin`` gives ``CdiscountEmulator`` (``cdiscount.py``) the
SOAP generation of the API over the same store as the Octopia REST API: a
seller's orders read by either API are the same orders.

- ``GET /users/httpIssue.svc/?realm=...`` (operation ``sts``): HTTP Basic
  auth with the seller's API login and password -> a 32-hex token, as the
  serialized ``<string>`` of WCF, valid ``soap_token_seconds`` (48 h);
- ``GET /MarketplaceAPIService.svc?wsdl`` (``?wsdl=wsdl0``, ``?xsd=xsdN``):
  the project's own WSDL and XSDs (``cdiscount_wsdl``), their imports on the
  host the client reached; served outside the fault switches (they are the
  service's description, not an operation), counted as ``wsdl``;
- ``POST /MarketplaceAPIService.svc`` (SOAP 1.1, the operation named by the
  SOAPAction): GetOrderList, ValidateOrderList, SubmitOfferPackage,
  GetOfferPackageSubmissionResult, GetOfferList, GetOfferListPaginated,
  GetGlobalConfiguration, GetSellerInformation. The token travels in
  ``headerMessage/Security/TokenId``; an unknown or expired one, or the
  ``expired_credentials`` switch, is a Fault ``s:RequestTokenValidationError``
  (HTTP 500). Business errors are answers (HTTP 200): ``Validated=false``
  with ``OrderStateIncoherent`` per order, or ``OperationSuccess=false`` with
  an ``ErrorList``;
- the fault switch ``rate_quota`` (besides the framework's): that share of
  the SOAP calls is answered ``OperationSuccess=false``, ``ErrorType`` Quota
  (counted as 429s), Cdiscount's throttling;
- ``POST /_sandbox/soap``: ``{"closed": true}`` makes every SOAP POST answer
  404 (an IIS page: the access Octopia closes), ``{"token_seconds": n}``,
  ``{"forget_tokens": true}``; ``GET /_sandbox/soap``: those settings;
- ``PUT /_sandbox/files/<name>`` (``host_file``): a file served at ``GET
  /_sandbox/files/<name>``, e.g. the offer package a test gives
  SubmitOfferPackage, which downloads its ``ZipFileFullPath`` (http(s) only).

The answers are rendered from the project's XSD description
(``cdiscount_wsdl``) with the store's values (``cdiscount_soap_values``).
"""

import base64
import binascii
import random
import threading
import uuid
from datetime import timedelta

from ..cdiscount.package import (
    PackageError,
    package_name,
    read_offer_package,
    read_offer_package_header,
)
from . import cdiscount_wsdl as wsdl
from .cdiscount_model import StoreError
from .cdiscount_soap_values import (
    PACKAGE_TYPES,
    DownloadError,
    download_package,
    offer_value,
    order_selector,
    package_report,
    package_row,
    select_offers,
    seller_information,
    soap_order,
)
from .protocols import Fault, Soap, find_text, soap_answer, soap_body
from .server import HttpError, Response, _request_base_url

STS_PATH = "/users/httpIssue.svc"
SERIALIZATION = "http://schemas.microsoft.com/2003/10/Serialization/"
TOKEN_SECONDS = 48 * 3600
SOAP_FAULT_DEFAULTS = {"rate_quota": 0.0}
OFFER_PAGE_SIZE = 100
TOKEN_FAULT = "s:RequestTokenValidationError"


class CdiscountSoapProtocol(Soap):
    """SOAP 1.1 with Cdiscount's faults: a refused token is
    ``s:RequestTokenValidationError``; a ``Quota`` error (``rate_quota``) is
    an answer with ``OperationSuccess=false``, status 200."""

    def __init__(self):
        super().__init__(
            namespace=wsdl.COM, action_base=wsdl.SOAP_ACTION_BASE, versions=("1.1",)
        )

    def fault(self, err):
        if err.status in (401, 403):
            return Fault(TOKEN_FAULT, err.message)
        return super().fault(err)

    def error_response(self, emulator, err):
        if err.status == 200 and err.operation in wsdl.OPERATIONS:
            answer = failure(err.errors[0]["code"], err.message)
            return soap_answer(err.request, wsdl.render_result(err.operation, answer))
        return super().error_response(emulator, err)


def failure(error_type, message, **values):
    """A result with ``OperationSuccess=false`` and one error."""
    return {
        "ErrorMessage": message,
        "OperationSuccess": False,
        "ErrorList": [{"ErrorType": error_type, "Message": message}],
        **values,
    }


def success(login, token, **values):
    """A result with ``OperationSuccess=true``, the seller and the token."""
    return {
        "ErrorMessage": None,
        "OperationSuccess": True,
        "ErrorList": [],
        "SellerLogin": login,
        "TokenId": token,
        **values,
    }


def _basic_credentials(request):
    """``(login, password)`` of the Basic ``Authorization``, None if none."""
    scheme, _space, value = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        login, colon, password = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (login, password) if colon else None


class CdiscountSoapMixin:
    """The SOAP generation of the Cdiscount emulator (see the module).

    The emulator gives it ``store`` (``CdiscountStore``), ``soap_seller(
    seller_id)`` and ``soap_seller_by_login(login, password)``.
    """

    soap_token_seconds = TOKEN_SECONDS
    soap_offer_page_size = OFFER_PAGE_SIZE

    def __init__(self, *args, faults=None, **kwargs):
        faults = dict(faults or {})
        soap_faults = {
            key: faults.pop(key) for key in SOAP_FAULT_DEFAULTS if key in faults
        }
        self.soap_tokens = {}  # token -> (seller id, expires at)
        self.soap_closed = False
        self.hosted_files = {}  # name -> bytes (``host_file``)
        self.soap_protocol = CdiscountSoapProtocol()
        self._soap_faults = dict(SOAP_FAULT_DEFAULTS)
        self._soap_lock = threading.Lock()
        super().__init__(*args, faults=faults, **kwargs)
        self._soap_rng = random.Random(f"{self.name}-soap-faults-{self.seed}")
        self._set_soap_faults(soap_faults)

    # -- fault switches ----------------------------------------------------
    @staticmethod
    def _checked_soap_faults(values):
        checked = {}
        for key, value in values.items():
            try:
                rate = float(value)
            except (TypeError, ValueError) as err:
                raise ValueError(f"bad value for {key}: {err}") from err
            if not 0 <= rate <= 1:
                raise ValueError(f"{key} must be between 0 and 1")
            checked[key] = rate
        return checked

    def _set_soap_faults(self, values):
        checked = self._checked_soap_faults(values)
        with self._soap_lock:
            self._soap_faults.update(checked)

    def set_faults(self, values):
        if not isinstance(values, dict):
            raise ValueError("fault switches must be a JSON object")
        soap = {k: v for k, v in values.items() if k in SOAP_FAULT_DEFAULTS}
        checked = self._checked_soap_faults(soap)
        # the framework's switches change all at once or not at all
        super().set_faults({k: v for k, v in values.items() if k not in soap})
        self._set_soap_faults(checked)

    def get_faults(self):
        with self._soap_lock:
            return {**super().get_faults(), **self._soap_faults}

    def reset(self):
        super().reset()
        with self._soap_lock:
            self._soap_faults = dict(SOAP_FAULT_DEFAULTS)
            self._soap_rng = random.Random(f"{self.name}-soap-faults-{self.seed}")
            self.hosted_files.clear()
        self.soap_closed = False  # the tokens issued stay valid

    def _draw_quota(self):
        with self._soap_lock:
            rate = self._soap_faults["rate_quota"]
            return rate > 0 and self._soap_rng.random() < rate

    def _inject_faults(self, request, operation):
        super()._inject_faults(request, operation)
        if request.protocol is self.soap_protocol and self._draw_quota():
            self.stats.count(operation, "429", request.caller_key)
            raise HttpError(
                200,
                "Quota exceeded: too many calls of this operation, try again later",
                errors=[{"code": "Quota"}],
            )

    # -- requests ----------------------------------------------------------
    @staticmethod
    def is_soap_request(request):
        """A request of the SOAP generation (STS, WSDL, operations)."""
        path = request.path.rstrip("/")
        return path in (STS_PATH, wsdl.SERVICE_PATH)

    def caller_key(self, request):
        if not self.is_soap_request(request):
            return super().caller_key(request)
        if request.path.rstrip("/") == STS_PATH:
            credentials = _basic_credentials(request)
            return credentials[0] if credentials else ""
        return self._body_token(request)

    @staticmethod
    def _body_token(request):
        """The TokenId of the ``headerMessage`` parameter (the operations
        take it in the body, not in a SOAP header), ``""`` if none."""
        try:
            return find_text(soap_body(request), "headerMessage", "TokenId") or ""
        except HttpError:
            return ""

    def authenticate(self, request):
        if not self.is_soap_request(request):
            return super().authenticate(request)
        if request.path.rstrip("/") == STS_PATH:
            return self._sts_seller(request)
        return self._token_seller(request.caller_key or "")

    def _sts_seller(self, request):
        credentials = _basic_credentials(request)
        seller = self.soap_seller_by_login(*credentials) if credentials else None
        if seller is None:
            raise HttpError(
                401,
                "The API login or password is incorrect",
                headers={"WWW-Authenticate": 'Basic realm="sts.cdiscount.com"'},
            )
        return seller

    def _token_seller(self, token):
        if len(token) != 32 or any(c not in "0123456789abcdef" for c in token.lower()):
            raise HttpError(401, "Token id is not correctly formatted.")
        with self._soap_lock:
            seller_id, expires = self.soap_tokens.get(token, (None, None))
        if seller_id is None:
            raise HttpError(401, "Token id is not valid: unknown token.")
        if self.clock.now() >= expires:
            raise HttpError(401, "Token id is not valid: the token has expired.")
        return self.soap_seller(seller_id)

    def handle(self, request):
        if (
            self.is_soap_request(request)
            and request.path.rstrip("/") == wsdl.SERVICE_PATH
        ):
            if request.method == "GET":
                return self._metadata(request)
            if self.soap_closed and request.method == "POST":
                return Soap.gateway_response(HttpError(404, "Not Found"))
        return super().handle(request)

    def _metadata(self, request):
        """The WSDL or XSD a ``GET ...svc?query`` asks for."""
        query = ""
        if "xsd" in request.query:
            query = f"xsd={request.query['xsd'][-1]}"
        elif "wsdl" in request.query:
            name = request.query["wsdl"][-1]
            query = f"wsdl={name}" if name else "wsdl"
        document = wsdl.metadata_document(query, _request_base_url(request))
        if document is None:
            return Response.text("No such service description document", 404)
        self.stats.count("wsdl", "calls")
        return Response(200, document.encode(), "text/xml; charset=UTF-8")

    # -- routes ------------------------------------------------------------
    def register_soap_routes(self):
        """Declare the STS, the SOAP operations and ``/_sandbox/soap``."""
        self.route("GET", STS_PATH + "/?", "sts", self.soap_sts, params=("realm",))
        handlers = {
            "GetSellerInformation": self.soap_get_seller_information,
            "GetGlobalConfiguration": self.soap_get_global_configuration,
            "GetOrderList": self.soap_get_order_list,
            "ValidateOrderList": self.soap_validate_order_list,
            "SubmitOfferPackage": self.soap_submit_offer_package,
            "GetOfferPackageSubmissionResult": self.soap_get_package_result,
            "GetOfferList": self.soap_get_offer_list,
            "GetOfferListPaginated": self.soap_get_offer_list_paginated,
        }
        path = wsdl.SERVICE_PATH.replace(".", r"\.")
        for operation, handler in handlers.items():
            self.route("POST", path, operation, handler, protocol=self.soap_protocol)
        self.admin_route(
            "GET", "/soap", self._admin_soap, "the SOAP API's settings (closed, tokens)"
        )
        self.admin_route(
            "PUT",
            "/files/(?P<name>[A-Za-z0-9._-]+)",
            self._admin_put_file,
            "host a file (the body) for SubmitOfferPackage's ZipFileFullPath",
        )
        self.admin_route(
            "GET",
            "/files/(?P<name>[A-Za-z0-9._-]+)",
            self._admin_get_file,
            "a hosted file",
        )
        self.admin_route(
            "POST",
            "/soap",
            self._admin_soap,
            'SOAP API settings: {"closed": true} (every SOAP call answers 404), '
            '{"token_seconds": 60}, {"forget_tokens": true}',
        )

    def _admin_soap(self, request):
        if request.method == "POST":
            body = request.json_object()
            unknown = sorted(set(body) - {"closed", "token_seconds", "forget_tokens"})
            if unknown:
                raise HttpError(400, f"unknown SOAP setting(s): {', '.join(unknown)}")
            if "closed" in body:
                self.set_soap_closed(bool(body["closed"]))
            if "token_seconds" in body:
                self.soap_token_seconds = max(1, int(body["token_seconds"]))
            if body.get("forget_tokens"):
                self.forget_soap_tokens()
        with self._soap_lock:
            tokens = len(self.soap_tokens)
        return Response.json(
            {
                "closed": self.soap_closed,
                "token_seconds": self.soap_token_seconds,
                "tokens": tokens,
            }
        )

    def _admin_put_file(self, request):
        path = self.host_file(request.params["name"], request.body)
        return Response.json({"path": path, "url": _request_base_url(request) + path})

    def _admin_get_file(self, request):
        with self._soap_lock:
            data = self.hosted_files.get(request.params["name"])
        if data is None:
            raise HttpError(404, f"No file {request.params['name']}")
        return Response(200, data, "application/zip")

    # -- Python API ----------------------------------------------------------
    def host_file(self, name, data):
        """Serve ``data`` at the returned path (``/_sandbox/files/<name>``),
        e.g. an offer package for SubmitOfferPackage's ZipFileFullPath (the
        URL is the emulator's base URL and that path)."""
        name = package_name(name)
        with self._soap_lock:
            self.hosted_files[name] = bytes(data)
        return f"/_sandbox/files/{name}"

    def set_soap_closed(self, closed=True):
        """Close (or reopen) the SOAP API: every SOAP POST answers 404."""
        self.soap_closed = bool(closed)

    def forget_soap_tokens(self):
        """Every token issued so far becomes unknown."""
        with self._soap_lock:
            self.soap_tokens.clear()

    def issue_soap_token(self, seller_id):
        """A new token of the seller (what the STS answers)."""
        token = uuid.uuid4().hex
        expires = self.clock.now() + timedelta(seconds=self.soap_token_seconds)
        with self._soap_lock:
            self.soap_tokens[token] = (seller_id, expires)
        return token

    # -- handlers ------------------------------------------------------------
    def soap_sts(self, request, seller):
        if not request.arg("realm"):
            raise HttpError(400, "The realm parameter is required")
        token = self.issue_soap_token(seller.seller_id)
        text = f'<string xmlns="{SERIALIZATION}">{token}</string>'
        return Response.text(text, content_type="text/plain; charset=utf-8")

    def _answer(self, request, seller, result):
        """The operation's answer: ``result`` over the base fields of a
        success (the seller's login, the token)."""
        base = success(seller.login if seller else None, request.caller_key or None)
        return soap_answer(
            request, wsdl.render_result(request.operation, {**base, **result})
        )

    def _parameters(self, request):
        return wsdl.read_request(request.operation, soap_body(request))

    def soap_get_seller_information(self, request, seller):
        return self._answer(request, seller, seller_information(seller))

    def soap_get_global_configuration(self, request, seller):
        carriers = [
            {
                "CarrierId": carrier["id"],
                "DefaultURL": carrier["tracking_url"].replace("{parcel}", ""),
                "Name": carrier["name"],
            }
            for carrier in self.store.carriers()
        ]
        return self._answer(request, seller, {"CarrierList": carriers})

    # -- orders ------------------------------------------------------------
    def soap_get_order_list(self, request, seller):
        order_filter = self._parameters(request)["orderFilter"]
        if order_filter is None:
            answer = failure("MissingField", "The orderFilter is required")
            return self._answer(request, seller, answer)
        try:
            select = order_selector(order_filter)
        except ValueError as err:
            return self._answer(request, seller, failure("InvalidRequest", str(err)))
        lines = wsdl.parse_boolean(order_filter.get("FetchOrderLines"))
        parcels = wsdl.parse_boolean(order_filter.get("FetchParcels"))
        with self.lock:
            references = [r for r in order_filter.get("OrderReferenceList") or () if r]
            if references:  # the other filters are ignored
                known = [r for r in dict.fromkeys(references) if r in seller.orders]
                orders = [self.store.find_order(number, seller) for number in known]
            else:
                orders = [order for order in self.store.orders(seller) if select(order)]
            codes = {c["name"]: c["code"] for c in self.store.carriers()}
            rendered = [soap_order(order, lines, parcels, codes) for order in orders]
        return self._answer(request, seller, {"OrderList": rendered})

    def soap_validate_order_list(self, request, seller):
        message = self._parameters(request)["validateOrderListMessage"]
        if message is None or message.get("OrderList") is None:
            answer = failure("MissingField", "The validateOrderListMessage is required")
            return self._answer(request, seller, answer)
        results = [
            self._validate_order(seller, item or {}) for item in message["OrderList"]
        ]
        errors = [e["Message"] for result in results for e in result["Errors"]]
        answer = {
            "ValidateOrderResults": results,
            "ErrorMessage": errors[0] if errors else None,
        }
        return self._answer(request, seller, answer)

    def _validate_order(self, seller, item):
        number = item.get("OrderNumber") or ""
        result = {
            "Errors": [],
            "OrderNumber": number,
            "Validated": False,
            "Warnings": [],
        }
        # WCF reads an omitted enum as its first value
        state = item.get("OrderState") or "CancelledByCustomer"
        try:
            with self.lock:
                order = self.store.find_order(number, seller)
                if state in ("AcceptedBySeller", "RefusedBySeller"):
                    lines = self._decide(order, state, item.get("OrderLineList") or [])
                elif state == "Shipped":
                    lines = self._ship(order, item)
                else:
                    raise StoreError(
                        "OrderStateIncoherent",
                        f"Order {number}: the seller cannot set the state {state}",
                    )
        except StoreError as err:
            result["Errors"] = [{"ErrorType": err.code, "Message": err.message}]
            return result
        result["ValidateOrderLineResults"] = [
            {"Errors": [], "SellerProductId": sku, "Updated": True} for sku in lines
        ]
        result["Validated"] = True
        return result

    def _decide(self, order, state, lines):
        """Accept or refuse the order's lines, addressed by SellerProductId
        (several lines of one SKU: the ValidateOrderLines in turn, else the
        one given); lines not named follow the order's state."""
        if order.status != "WaitingAcceptance":
            raise StoreError(
                "OrderStateIncoherent",
                f"Order {order.number} cannot be accepted or refused: the order "
                f"state is {order.soap_state}",
            )
        decisions = {line.line_id: state == "AcceptedBySeller" for line in order.lines}
        given = {}
        for line in lines:
            line = line or {}
            accepted = line.get("AcceptationState")
            if accepted not in ("AcceptedBySeller", "RefusedBySeller"):
                raise StoreError(
                    "OrderLineIncoherentState",
                    f"Order {order.number}: a line cannot be set to {accepted}",
                )
            given.setdefault(line.get("SellerProductId") or "", []).append(
                accepted == "AcceptedBySeller"
            )
        for sku, values in given.items():
            ids = [line.line_id for line in order.lines if line.sku == sku]
            if not ids:
                raise StoreError(
                    "OrderLineNotFound",
                    f"Order {order.number} has no line of the product {sku!r}",
                )
            for position, line_id in enumerate(ids):
                decisions[line_id] = values[min(position, len(values) - 1)]
        self.store.decide(order, decisions)
        return list(given)

    def _ship(self, order, item):
        if order.fulfilment:
            raise StoreError(
                "OrderStateIncoherent",
                f"Order {order.number} is shipped by Cdiscount (fulfilment): the "
                f"order state is {order.soap_state}",
            )
        if order.status != "InPreparation":
            raise StoreError(
                "OrderStateIncoherent",
                f"Order {order.number} cannot be shipped: the order state is "
                f"{order.soap_state}",
            )
        tracking = (item.get("TrackingNumber") or "").strip()
        carrier = (item.get("CarrierName") or "").strip()
        if not tracking or not carrier:
            raise StoreError(
                "OrderTrackingInformationError",
                f"Order {order.number}: the carrier name and the tracking number "
                "are required to ship",
            )
        self.store.ship_order(order, tracking, carrier, item.get("TrackingUrl") or None)
        return [line.sku for line in order.lines if line.status == "Shipped"]

    # -- offers ------------------------------------------------------------
    def soap_submit_offer_package(self, request, seller):
        request_value = self._parameters(request)["offerPackageRequest"] or {}
        url = (request_value.get("ZipFileFullPath") or "").strip()
        try:
            data = download_package(url)
            header = read_offer_package_header(data)
            offers = read_offer_package(data)
            if header["package_type"] not in PACKAGE_TYPES:
                raise PackageError(f"Unknown PackageType {header['package_type']!r}")
        except (DownloadError, PackageError) as err:
            kind = "FileDownloadException" if isinstance(err, DownloadError) else None
            answer = failure(kind or "InvalidFileFormat", str(err), PackageId=-1)
            return self._answer(request, seller, {**answer, "NumberOfErrors": 0})
        rows = [package_row(offer, header["package_type"]) for offer in offers]
        package = self.store.submit_package(
            seller,
            rows,
            package_type=header["package_type"],
            generation="soap",
            name=header["name"],
            url=url,
        )
        answer = {
            "NumberOfErrors": 0,
            "PackageId": package.number,
            "PackageIntegrationStatus": package.soap_status,
        }
        return self._answer(request, seller, answer)

    def soap_get_package_result(self, request, seller):
        package_filter = self._parameters(request)["offerPackageFilter"] or {}
        text = package_filter.get("PackageID") or ""
        package = self.store.package(int(text), seller) if text.isdigit() else None
        if package is None:
            message = f"Package {text or '?'} not found"
            answer = failure("PackageNotFound", message, PackageId=-1, NumberOfErrors=0)
            return self._answer(request, seller, answer)
        with self.lock:
            report = package_report(self.store.poll_package(package))
        return self._answer(request, seller, report)

    def soap_get_offer_list(self, request, seller):
        offer_filter = self._parameters(request)["offerFilter"] or {}
        with self.lock:
            offers = select_offers(self.store.offer_list(seller), offer_filter)
            values = [offer_value(offer) for offer in offers]
        return self._answer(request, seller, {"OfferList": values})

    def soap_get_offer_list_paginated(self, request, seller):
        offer_filter = self._parameters(request)["offerFilter"] or {}
        page = offer_filter.get("PageNumber") or ""
        if not page.isdigit() or int(page) < 1:
            answer = failure(
                "InvalidRequest", f"PageNumber must be 1 or more, not {page!r}"
            )
            return self._answer(request, seller, answer)
        page, size = int(page), self.soap_offer_page_size
        with self.lock:
            offers = select_offers(self.store.offer_list(seller), offer_filter)
            values = [offer_value(o) for o in offers[(page - 1) * size : page * size]]
        answer = {
            "OfferList": values,
            "CurrentPageNumber": page,
            "NumberOfPages": -(-len(offers) // size),
        }
        return self._answer(request, seller, answer)
