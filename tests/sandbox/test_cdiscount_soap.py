"""The Cdiscount emulator's SOAP Marketplace API, over real HTTP.

zeep, built from the WSDL the emulator serves, is the client; raw requests
check what zeep hides (statuses, pages, the STS). The orders are the REST
API's: the same store, the same numbers.
"""

import base64
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests
import zeep
import zeep.exceptions
from mphub.cdiscount.package import OFFERS_NAMESPACE, OFFERS_PART, build_offer_package
from mphub.offers import OfferRow
from mphub.sandbox.cdiscount import CdiscountEmulator
from mphub.sandbox.cdiscount_wsdl import BINDING_QNAME, SOAP_ACTION_BASE
from mphub.sandbox.server import EmulatorServer

SELLER, OTHER = 98979, 98980
LOGINS = {
    SELLER: ("sandbox-cdiscount-api", "sandbox-cdiscount-password"),
    OTHER: ("sandbox-cdiscount2-api", "sandbox-cdiscount2-password"),
}
PARIS = ZoneInfo("Europe/Paris")
SINCE = datetime(2000, 1, 1)


@pytest.fixture(scope="module")
def server():
    server = EmulatorServer(CdiscountEmulator()).start()
    yield server
    server.stop()


@pytest.fixture
def emulator(server):
    server.emulator.reset()
    server.emulator.forget_soap_tokens()
    return server.emulator


@pytest.fixture(scope="module")
def client(server):
    return zeep.Client(f"{server.url}/MarketplaceAPIService.svc?wsdl")


class Seller:
    """A seller calling the SOAP API through zeep."""

    def __init__(self, server, client, seller_id=SELLER):
        self.url = server.url
        self.client = client
        self.service = client.create_service(
            BINDING_QNAME, f"{server.url}/MarketplaceAPIService.svc"
        )
        self.token = sts(server.url, *LOGINS[seller_id]).text[-41:-9]

    def header(self, token=None):
        return {
            "Context": {"SiteID": 100, "CatalogID": 1},
            "Localization": {"Country": "Fr", "Currency": "Eur", "Language": "Fr"},
            "Security": {
                "UserName": "",
                "TokenId": token or self.token,
                "DomainRightsList": None,
                "IssuerID": None,
                "SessionID": None,
            },
            "Version": "1.0",
        }

    def call(self, operation, token=None, **params):
        return getattr(self.service, operation)(
            headerMessage=self.header(token), **params
        )

    def orders(self, **order_filter):
        order_filter.setdefault("FetchOrderLines", True)
        result = self.call("GetOrderList", orderFilter=order_filter)
        assert result.OperationSuccess, result.ErrorMessage
        return result.OrderList.Order if result.OrderList else []

    def order(self, number, **order_filter):
        (order,) = self.orders(OrderReferenceList={"string": [number]}, **order_filter)
        return order

    def validate(self, *orders):
        message = {"OrderList": {"ValidateOrder": list(orders)}}
        return self.call("ValidateOrderList", validateOrderListMessage=message)

    def validated(self, number, state, lines=None, **values):
        order = {"OrderNumber": number, "OrderState": state, **values}
        if lines is not None:
            order["OrderLineList"] = {
                "ValidateOrderLine": [
                    {
                        "SellerProductId": sku,
                        "AcceptationState": accepted,
                        "ProductCondition": "New",
                    }
                    for sku, accepted in lines
                ]
            }
        (result,) = self.validate(order).ValidateOrderResults.ValidateOrderResult
        return result


def sts(
    url, login, password, realm="https://wsvc.cdiscount.com/MarketplaceAPIService.svc"
):
    params = {"realm": realm} if realm else {}
    return requests.get(
        f"{url}/users/httpIssue.svc/", params=params, auth=(login, password), timeout=5
    )


@pytest.fixture
def seller(server, client, emulator):
    return Seller(server, client)


def error_types(errors):
    return [error.ErrorType for error in (errors.Error if errors else [])]


# ----------------------------------------------------------------------
# STS, WSDL
# ----------------------------------------------------------------------
def test_the_sts_issues_a_token_per_call_with_basic_auth(server, emulator):
    first, second = sts(server.url, *LOGINS[SELLER]), sts(server.url, *LOGINS[SELLER])
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/plain")
    match = re.fullmatch(
        r'<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">'
        r"([0-9a-f]{32})</string>",
        first.text,
    )
    assert match and first.text != second.text
    assert emulator.get_stats()["sts"]["calls"] == 2


@pytest.mark.parametrize(
    ("login", "password", "realm", "status"),
    [
        ("sandbox-cdiscount-api", "wrong", "r", 401),
        ("unknown-api", "sandbox-cdiscount-password", "r", 401),
        ("sandbox-cdiscount-api", "sandbox-cdiscount-password", None, 400),
    ],
)
def test_the_sts_refuses_bad_credentials_and_a_missing_realm(
    server, emulator, login, password, realm, status
):
    assert sts(server.url, login, password, realm).status_code == status


def test_the_sts_needs_basic_auth(server, emulator):
    response = requests.get(f"{server.url}/users/httpIssue.svc/?realm=r", timeout=5)
    assert response.status_code == 401
    garbage = {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}
    response = requests.get(
        f"{server.url}/users/httpIssue.svc/?realm=r", headers=garbage, timeout=5
    )
    assert response.status_code == 401


def test_the_wsdl_imports_from_the_host_the_client_reached(server, emulator):
    url = f"{server.url}/MarketplaceAPIService.svc"
    headers = {"Host": "sandbox.example:8903"}
    wsdl = requests.get(f"{url}?wsdl", headers=headers, timeout=5)
    assert wsdl.status_code == 200 and wsdl.headers["Content-Type"].startswith(
        "text/xml"
    )
    assert (
        'location="http://sandbox.example:8903/MarketplaceAPIService.svc?wsdl=wsdl0"'
        in wsdl.text
    )
    assert (
        '<soap:address location="http://sandbox.example:8903/MarketplaceAPIService.svc"/>'
        in wsdl.text
    )
    wsdl0 = requests.get(f"{url}?wsdl=wsdl0", headers=headers, timeout=5).text
    for document in re.findall(r'schemaLocation="[^"]+\?xsd=(xsd\d+)"', wsdl0):
        assert requests.get(f"{url}?xsd={document}", timeout=5).status_code == 200
    assert requests.get(f"{url}?xsd=xsd99", timeout=5).status_code == 404


def test_the_description_is_served_whatever_the_faults(server, client, emulator):
    emulator.set_faults(
        {"rate_5xx": 1.0, "rate_corrupt": 1.0, "expired_credentials": True}
    )
    zeep.Client(f"{server.url}/MarketplaceAPIService.svc?wsdl")  # loads every document
    assert emulator.get_stats()["wsdl"]["calls"] == 5
    assert emulator.get_stats()["wsdl"]["5xx"] == 0


# ----------------------------------------------------------------------
# tokens and faults
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "reason"),
    [("not-a-token", "not correctly formatted"), ("0" * 32, "unknown token")],
)
def test_a_bad_token_is_a_token_validation_fault(seller, token, reason):
    with pytest.raises(zeep.exceptions.Fault) as fault:
        seller.call("GetSellerInformation", token=token)
    assert fault.value.code == "s:RequestTokenValidationError"
    assert reason in fault.value.message


def test_an_expired_or_forgotten_token_is_a_token_validation_fault(
    seller, emulator, server, client
):
    emulator.soap_token_seconds = 0
    try:
        expired = Seller(server, client)
    finally:
        emulator.soap_token_seconds = 48 * 3600
    with pytest.raises(zeep.exceptions.Fault, match="expired"):
        expired.call("GetSellerInformation")
    assert seller.call("GetSellerInformation").OperationSuccess
    emulator.forget_soap_tokens()
    with pytest.raises(zeep.exceptions.Fault, match="unknown token"):
        seller.call("GetSellerInformation")


def test_the_expired_credentials_switch_refuses_every_token(seller, emulator):
    emulator.set_faults({"expired_credentials": True})
    with pytest.raises(zeep.exceptions.Fault) as fault:
        seller.call("GetOrderList", orderFilter={})
    assert fault.value.code == "s:RequestTokenValidationError"
    assert sts(seller.url, *LOGINS[SELLER]).status_code == 401


def test_the_quota_switch_answers_operation_success_false(seller, emulator):
    emulator.set_faults({"rate_quota": 1.0})
    assert emulator.get_faults()["rate_quota"] == 1.0
    result = seller.call("GetOrderList", orderFilter={})
    assert result.OperationSuccess is False
    assert error_types(result.ErrorList) == ["Quota"]
    assert "Quota" in result.ErrorMessage
    assert emulator.get_stats()["GetOrderList"]["429"] == 1
    emulator.reset()
    assert emulator.get_faults()["rate_quota"] == 0.0
    assert seller.call("GetOrderList", orderFilter={}).OperationSuccess


def test_the_quota_switch_is_checked_like_the_others(server, emulator):
    response = requests.post(
        f"{server.url}/_sandbox/faults",
        json={"rate_quota": 2, "rate_429": 0.5},
        timeout=5,
    )
    assert response.status_code == 400
    assert emulator.get_faults()["rate_429"] == 0.0  # nothing changed
    with pytest.raises(ValueError, match="unknown fault"):
        emulator.set_faults({"rate_quota": 0.5, "rate_nothing": 1})
    assert emulator.get_faults()["rate_quota"] == 0.0
    quota = CdiscountEmulator(faults={"rate_quota": 0.25, "rate_429": 0.1}).get_faults()
    assert (quota["rate_quota"], quota["rate_429"]) == (0.25, 0.1)


def _post(url, operation, body=b"<x/>", content_type="text/xml; charset=utf-8"):
    headers = {
        "Content-Type": content_type,
        "SOAPAction": f'"{SOAP_ACTION_BASE}{operation}"',
    }
    return requests.post(
        f"{url}/MarketplaceAPIService.svc", data=body, headers=headers, timeout=5
    )


@pytest.mark.parametrize(
    ("switch", "status"), [("rate_5xx", (500, 502, 503)), ("rate_429", (429,))]
)
def test_the_front_end_answers_injected_errors_with_a_page_not_a_fault(
    server, emulator, switch, status
):
    emulator.set_faults({switch: 1.0})
    response = _post(server.url, "GetOrderList")
    assert response.status_code in status
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Fault" not in response.text
    if switch == "rate_429":
        assert response.headers["Retry-After"] == "1"


def test_a_closed_soap_api_answers_404_to_every_call(seller, emulator, server):
    requests.post(f"{server.url}/_sandbox/soap", json={"closed": True}, timeout=5)
    response = _post(server.url, "GetOrderList")
    assert response.status_code == 404
    with pytest.raises(zeep.exceptions.TransportError) as error:
        seller.call("GetSellerInformation")
    assert error.value.status_code == 404
    # its description and the STS stay served: a client reaches the call
    assert requests.get(f"{server.url}/MarketplaceAPIService.svc?wsdl", timeout=5).ok
    assert sts(server.url, *LOGINS[SELLER]).ok
    emulator.set_soap_closed(False)
    assert seller.call("GetSellerInformation").OperationSuccess


ENVELOPE = b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'


@pytest.mark.parametrize(
    ("operation", "content_type", "reason"),
    [
        ("GetOrderList", "application/soap+xml", "is not a SOAP 1.1 media type"),
        ("DeleteEverything", "text/xml", "cannot be processed"),
    ],
)
def test_only_soap_11_and_known_actions_are_served(
    server, emulator, operation, content_type, reason
):
    response = _post(server.url, operation, ENVELOPE, content_type)
    assert response.status_code == 500
    assert "<faultcode>s:Client</faultcode>" in response.text
    assert reason in response.text


# ----------------------------------------------------------------------
# GetOrderList
# ----------------------------------------------------------------------
def test_soap_and_rest_render_the_same_orders(seller, emulator):
    numbers = emulator.create_orders(SELLER, 6)
    emulator.create_orders(OTHER, 2)
    orders = seller.orders(BeginModificationDate=SINCE)
    assert [o.OrderNumber for o in orders] == numbers
    for order in orders:
        record = emulator.order_record(order.OrderNumber)
        assert order.OrderState == record["soap_state"]
        lines = order.OrderLineList.OrderLine
        assert [line.SellerProductId for line in lines] == [
            line["sku"] for line in record["lines"]
        ]
        assert [line.RowId for line in lines] == [
            line["row_id"] for line in record["lines"]
        ]


def test_dates_are_paris_time_without_zone(seller, emulator):
    created = datetime(2025, 7, 14, 8, 30, tzinfo=ZoneInfo("UTC"))
    (number,) = emulator.create_orders(SELLER, 1, created=created)
    order = seller.order(number)
    assert order.CreationDate == datetime(2025, 7, 14, 10, 30)
    assert order.CreationDate.tzinfo is None
    assert order.OrderNumber.startswith("2507141030")


def test_the_filter_selects_by_state_dates_and_type(seller, emulator):
    old = emulator.create_orders(
        SELLER,
        2,
        created=datetime(2024, 1, 10, 12, 0, tzinfo=PARIS),
        fulfilment_share=0,
    )
    new = emulator.create_orders(SELLER, 3, fulfilment_share=0)
    emulator.set_order_state(new[0], "InPreparation")
    waiting = seller.orders(States={"OrderStateEnum": ["WaitingForSellerAcceptation"]})
    assert [o.OrderNumber for o in waiting] == [*old, *new[1:]]
    created = seller.orders(
        BeginCreationDate=datetime(2024, 1, 10, 12, 0),
        EndCreationDate=datetime(2024, 1, 10, 12, 0),
    )
    assert [o.OrderNumber for o in created] == old  # Paris time, bounds included
    window = seller.orders(
        BeginModificationDate=_paris(emulator.order_record(new[0])["updated"])
    )
    assert [o.OrderNumber for o in window] == [new[0]]
    assert seller.orders(OrderType="MKPFBC", BeginModificationDate=SINCE) == []


def test_both_date_pairs_select_orders_created_or_modified_in_them(seller, emulator):
    """Clients send the creation and the modification pair, equal: an old
    order modified in the window is selected."""
    (old,) = emulator.create_orders(
        SELLER,
        1,
        created=datetime(2024, 1, 10, 12, 0, tzinfo=PARIS),
        fulfilment_share=0,
    )
    (untouched,) = emulator.create_orders(
        SELLER,
        1,
        created=datetime(2024, 1, 11, 12, 0, tzinfo=PARIS),
        fulfilment_share=0,
    )
    last = emulator.order_record(untouched)["updated"]  # the clock only goes on
    begin = _paris(last) + timedelta(milliseconds=1)
    end = begin + timedelta(hours=1)
    emulator.set_order_state(old, "InPreparation")
    window = {
        "BeginCreationDate": begin,
        "EndCreationDate": end,
        "BeginModificationDate": begin,
        "EndModificationDate": end,
    }
    assert [o.OrderNumber for o in seller.orders(**window)] == [old]
    created = {
        **window,
        "BeginCreationDate": datetime(2024, 1, 11),
        "EndCreationDate": end,
    }
    assert [o.OrderNumber for o in seller.orders(**created)] == [old, untouched]


def _paris(text):
    """A record's ISO date as naive Paris time (what SOAP reads and writes)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(PARIS).replace(tzinfo=None)


def test_order_references_win_over_the_other_filters(seller, emulator):
    numbers = emulator.create_orders(SELLER, 3)
    (theirs,) = emulator.create_orders(OTHER, 1)
    found = seller.orders(
        OrderReferenceList={
            "string": [numbers[2], numbers[0], theirs, "2501010000ZZZZZ"]
        },
        States={"OrderStateEnum": ["Shipped"]},
    )
    assert [o.OrderNumber for o in found] == [
        numbers[2],
        numbers[0],
    ]  # not another seller's


def test_lines_and_parcels_come_only_when_asked(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1)
    emulator.set_order_state(number, "Shipped")
    bare = seller.order(number, FetchOrderLines=False)
    assert not bare.OrderLineList or not bare.OrderLineList.OrderLine
    assert not bare.ParcelList or not bare.ParcelList.Parcel
    full = seller.order(number, FetchParcels=True)
    (parcel,) = full.ParcelList.Parcel
    assert parcel.ExternalCarrierName == "Colissimo"
    assert (
        parcel.ParcelItemList.ParcelItem[0].Sku == full.OrderLineList.OrderLine[0].Sku
    )


def test_a_filter_is_required_and_its_dates_must_read(seller):
    result = seller.call("GetOrderList", orderFilter=None)
    assert result.OperationSuccess is False
    assert error_types(result.ErrorList) == ["MissingField"]


def test_amounts_follow_the_acceptance(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1, multi_line_share=1.0)
    order = seller.order(number)
    assert order.ValidatedTotalAmount == Decimal(0)
    assert order.ValidatedTotalShippingCharges == Decimal(0)
    record = emulator.order_record(number)
    assert order.InitialTotalAmount == Decimal(record["marketplace_total"])
    skus = list(
        dict.fromkeys(line.SellerProductId for line in order.OrderLineList.OrderLine)
    )
    assert len(skus) > 1
    decisions = [(sku, "AcceptedBySeller") for sku in skus[:-1]]
    seller.validated(
        number, "AcceptedBySeller", [*decisions, (skus[-1], "RefusedBySeller")]
    )
    order = seller.order(number)
    record = emulator.order_record(number)
    assert order.ValidatedTotalAmount == Decimal(record["marketplace_total"])
    assert order.ValidatedTotalAmount < order.InitialTotalAmount
    assert order.ValidatedTotalShippingCharges == Decimal(record["shipping_total"])
    refused = [
        line
        for line in order.OrderLineList.OrderLine
        if line.SellerProductId == skus[-1]
    ]
    assert {line.AcceptationState for line in refused} == {"RefusedBySeller"}


# ----------------------------------------------------------------------
# ValidateOrderList
# ----------------------------------------------------------------------
def test_accepting_moves_the_order_to_shipment_acceptation(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1)
    skus = [
        line.SellerProductId for line in seller.order(number).OrderLineList.OrderLine
    ]
    result = seller.validated(
        number, "AcceptedBySeller", [(s, "AcceptedBySeller") for s in skus]
    )
    assert result.Validated is True
    assert [
        r.SellerProductId
        for r in result.ValidateOrderLineResults.ValidateOrderLineResult
    ] == list(dict.fromkeys(skus))
    assert seller.order(number).OrderState == "WaitingForShipmentAcceptation"
    assert emulator.order_record(number)["status"] == "InPreparation"


def test_a_repeated_acceptance_is_an_incoherent_state(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1)
    assert seller.validated(number, "AcceptedBySeller").Validated is True
    result = seller.validate({"OrderNumber": number, "OrderState": "AcceptedBySeller"})
    assert result.OperationSuccess is True  # a business error is an answer
    (order,) = result.ValidateOrderResults.ValidateOrderResult
    assert order.Validated is False
    assert error_types(order.Errors) == ["OrderStateIncoherent"]
    assert "WaitingForShipmentAcceptation" in result.ErrorMessage


def test_refusing_every_line_refuses_the_order(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1)
    assert seller.validated(number, "RefusedBySeller").Validated is True
    order = seller.order(number)
    assert order.OrderState == "RefusedBySeller"
    assert {line.AcceptationState for line in order.OrderLineList.OrderLine} == {
        "RefusedBySeller"
    }


def test_an_omitted_order_state_is_read_as_wcf_does(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1)
    result = seller.validated(number, None)
    assert result.Validated is False
    assert "CancelledByCustomer" in result.Errors.Error[0].Message
    assert seller.order(number).OrderState == "WaitingForSellerAcceptation"


def test_lines_of_one_sku_take_its_decisions_in_turn(seller, emulator):
    (number,) = emulator.create_orders(
        SELLER, 1, same_sku_share=1.0, multi_line_share=0.0
    )
    lines = emulator.order_record(number)["lines"]
    sku = lines[0]["sku"]
    assert [line["sku"] for line in lines].count(sku) == 2
    result = seller.validated(
        number,
        "AcceptedBySeller",
        [(sku, "AcceptedBySeller"), (sku, "RefusedBySeller")],
    )
    assert result.Validated is True
    states = [
        line.AcceptationState for line in seller.order(number).OrderLineList.OrderLine
    ]
    assert states[:2] == ["AcceptedBySeller", "RefusedBySeller"]


@pytest.mark.parametrize(
    ("number", "lines", "error"),
    [
        ("2501010000ZZZZZ", None, "OrderNotFound"),
        (None, [("NOT-A-LINE", "AcceptedBySeller")], "OrderLineNotFound"),
        (None, [(None, "ShippedBySeller")], "OrderLineIncoherentState"),
    ],
)
def test_acceptance_errors_leave_the_order_as_it_was(
    seller, emulator, number, lines, error
):
    (created,) = emulator.create_orders(SELLER, 1)
    if lines and lines[0][0] is None:
        lines = [(emulator.order_record(created)["lines"][0]["sku"], lines[0][1])]
    result = seller.validated(number or created, "AcceptedBySeller", lines)
    assert result.Validated is False
    assert error_types(result.Errors) == [error]
    assert emulator.order_record(created)["status"] == "WaitingAcceptance"


def test_another_sellers_order_is_not_found(seller, emulator):
    (theirs,) = emulator.create_orders(OTHER, 1)
    assert error_types(seller.validated(theirs, "AcceptedBySeller").Errors) == [
        "OrderNotFound"
    ]


def _ship(seller, number, **values):
    values = {
        "CarrierName": "Colissimo",
        "TrackingNumber": "6A123",
        "TrackingUrl": "https://t/6A123",
        **values,
    }
    return seller.validated(number, "Shipped", **values)


def test_shipping_ships_the_whole_order(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1, multi_line_share=1.0)
    emulator.set_order_state(number, "InPreparation")
    assert _ship(seller, number).Validated is True
    order = seller.order(number, FetchParcels=True)
    assert order.OrderState == "Shipped"
    (parcel,) = order.ParcelList.Parcel
    assert parcel.ExternalCarrierTrackingUrl == "https://t/6A123"
    (shipment,) = emulator.shipments(number)
    assert shipment["parcel_number"] == "6A123"
    assert sorted(shipment["line_ids"]) == sorted(
        line["line_id"]
        for line in emulator.order_record(number)["lines"]
        if line["sku"] not in ("INTERETBCA", "FRAISTRAITEMENT")
    )
    again = _ship(seller, number)
    assert again.Validated is False and error_types(again.Errors) == [
        "OrderStateIncoherent"
    ]


def test_an_order_ships_only_once_paid_and_with_its_tracking(seller, emulator):
    (number,) = emulator.create_orders(SELLER, 1)
    emulator.update_settings({"payment_delay_seconds": 3600})
    seller.validated(number, "AcceptedBySeller")
    assert seller.order(number).OrderState == "AcceptedBySeller"
    assert error_types(_ship(seller, number).Errors) == ["OrderStateIncoherent"]
    emulator.set_order_state(number, "InPreparation")
    assert error_types(_ship(seller, number, TrackingNumber="").Errors) == [
        "OrderTrackingInformationError"
    ]
    assert emulator.order_record(number)["status"] == "InPreparation"


def test_a_fulfilment_order_is_never_shipped_by_the_seller(seller, emulator):
    (number,) = emulator.create_orders(
        SELLER, 1, fulfilment_share=1.0, state="InPreparation"
    )
    order = seller.order(number)
    assert order.IsCLogistiqueOrder is True and order.ModGesLog == "MKPFBC"
    result = _ship(seller, number)
    assert result.Validated is False
    assert "fulfilment" in result.Errors.Error[0].Message


# ----------------------------------------------------------------------
# offers and packages
# ----------------------------------------------------------------------
def _host(emulator, server, rows, name="offers.zip"):
    return server.url + emulator.host_file(name, build_offer_package(rows, name))


def test_a_package_is_downloaded_integrated_and_reported(seller, emulator, server):
    emulator.create_offers(SELLER, 3)
    offer = seller.call("GetOfferList", offerFilter={}).OfferList.Offer[0]
    rows = [
        OfferRow(offer.SellerProductId, 7, Decimal("12.34"), offer.ProductEan),
        OfferRow("NOT-IN-CATALOGUE", 1, Decimal("5"), "2000000000008"),
    ]
    submitted = seller.call(
        "SubmitOfferPackage",
        offerPackageRequest={"ZipFileFullPath": _host(emulator, server, rows)},
    )
    assert submitted.OperationSuccess and submitted.PackageId > 0
    assert submitted.PackageIntegrationStatus == "Pending"
    package_filter = {"PackageID": submitted.PackageId}
    first = seller.call(
        "GetOfferPackageSubmissionResult", offerPackageFilter=package_filter
    )
    assert first.PackageIntegrationStatus == "Pending"
    done = seller.call(
        "GetOfferPackageSubmissionResult", offerPackageFilter=package_filter
    )
    assert done.PackageIntegrationStatus == "PartiallyIntegrated"
    assert done.NumberOfErrors == 1
    logs = {log.SellerProductId: log for log in done.OfferLogList.OfferReportLog}
    assert logs[offer.SellerProductId].Validated is True
    rejected = logs["NOT-IN-CATALOGUE"]
    assert rejected.Validated is False and rejected.OfferIntegrationStatus == "Rejected"
    assert "catalogue" in rejected.PropertyList.OfferReportPropertyLog[0].LogMessage
    (updated,) = seller.call(
        "GetOfferList",
        offerFilter={"SellerProductIdList": {"string": [offer.SellerProductId]}},
    ).OfferList.Offer
    assert (updated.Price, updated.Stock) == (Decimal("12.34"), 7)
    assert emulator.package_record(submitted.PackageId)["url"].endswith("/offers.zip")


def test_a_stock_and_price_offer_missing_its_price_is_rejected(
    seller, emulator, server
):
    emulator.create_offers(SELLER, 1)
    offer = emulator.store.offer_list(emulator.store.seller(SELLER))[0]
    xml = (
        '<OfferPackage Name="p" PackageType="StockAndPrice" '
        f'xmlns="{OFFERS_NAMESPACE}">'
        "<OfferPackage.Offers><OfferCollection>"
        f'<Offer SellerProductId="{offer.sku}" ProductEan="{offer.ean}" Stock="3"/>'
        "</OfferCollection></OfferPackage.Offers></OfferPackage>"
    )
    data = _rezip(build_offer_package([OfferRow("X", 1, Decimal(1))], "p"), xml)
    url = server.url + emulator.host_file("p.zip", data)
    number = seller.call(
        "SubmitOfferPackage", offerPackageRequest={"ZipFileFullPath": url}
    ).PackageId
    for _poll in range(2):
        report = seller.call(
            "GetOfferPackageSubmissionResult", offerPackageFilter={"PackageID": number}
        )
    assert report.PackageIntegrationStatus == "Rejected"
    (log,) = report.OfferLogList.OfferReportLog
    assert "Price is required" in log.PropertyList.OfferReportPropertyLog[0].LogMessage


def _rezip(data, offers_xml):
    import io
    import zipfile

    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for name in source.namelist():
            archive.writestr(
                name, offers_xml if name == OFFERS_PART else source.read(name)
            )
    return target.getvalue()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("file:///etc/passwd", "FileDownloadException"),
        ("{base}/_sandbox/files/missing.zip", "FileDownloadException"),
        ("", "FileDownloadException"),
        ("{base}/_sandbox/files/not-a-zip.zip", "InvalidFileFormat"),
    ],
)
def test_a_package_that_cannot_be_read_is_refused_at_once(
    seller, emulator, server, url, error
):
    emulator.host_file("not-a-zip.zip", b"PK but not really")
    result = seller.call(
        "SubmitOfferPackage",
        offerPackageRequest={"ZipFileFullPath": url.format(base=server.url)},
    )
    assert result.OperationSuccess is False and result.PackageId == -1
    assert error_types(result.ErrorList) == [error]


def test_an_unknown_or_foreign_package_is_not_found(seller, emulator, server, client):
    other = Seller(server, client, OTHER)
    url = _host(emulator, server, [OfferRow("MPH-0001", 1, Decimal(1))])
    number = other.call(
        "SubmitOfferPackage", offerPackageRequest={"ZipFileFullPath": url}
    ).PackageId
    for package_id in (number, 999999):
        result = seller.call(
            "GetOfferPackageSubmissionResult",
            offerPackageFilter={"PackageID": package_id},
        )
        assert result.OperationSuccess is False
        assert error_types(result.ErrorList) == ["PackageNotFound"]


def test_offer_lists_render_malformed_offers_schema_valid(seller, emulator):
    emulator.create_offers(SELLER, 10, malformed_share=0.2)
    offers = seller.call("GetOfferList", offerFilter={}).OfferList.Offer
    assert len(offers) == 10
    assert sum(1 for offer in offers if offer.SellerProductId is None) == 1
    assert sum(1 for offer in offers if offer.Price == 0) == 1


def test_another_seller_has_no_offers(server, client, emulator):
    emulator.create_offers(SELLER, 3)
    result = Seller(server, client, OTHER).call("GetOfferList", offerFilter={})
    assert result.OperationSuccess and not (result.OfferList and result.OfferList.Offer)


def test_offer_pages(seller, emulator):
    emulator.create_offers(SELLER, 25)
    emulator.soap_offer_page_size = 10
    try:
        pages = [
            seller.call("GetOfferListPaginated", offerFilter={"PageNumber": page})
            for page in (1, 3, 4)
        ]
    finally:
        emulator.soap_offer_page_size = 100
    assert [p.CurrentPageNumber for p in pages] == [1, 3, 4]
    assert {p.NumberOfPages for p in pages} == {3}
    assert [len(p.OfferList.Offer) if p.OfferList else 0 for p in pages] == [10, 5, 0]
    online = seller.call(
        "GetOfferListPaginated",
        offerFilter={"PageNumber": 1, "OfferStateFilter": "OnlineOffersOnly"},
    )
    assert {offer.OfferState for offer in online.OfferList.Offer} == {"Active"}
    bad = seller.call("GetOfferListPaginated", offerFilter={"PageNumber": 0})
    assert bad.OperationSuccess is False and error_types(bad.ErrorList) == [
        "InvalidRequest"
    ]


def test_carriers_and_seller_information(seller, emulator):
    carriers = seller.call("GetGlobalConfiguration").CarrierList.Carrier
    assert [c.Name for c in carriers] == [c["name"] for c in emulator.store.carriers()]
    assert all(c.DefaultURL.startswith("https://") for c in carriers)
    information = seller.call("GetSellerInformation")
    assert information.SellerLogin == LOGINS[SELLER][0]
    assert information.TokenId == seller.token
    assert information.Seller.ShopName == "Sandbox Cdiscount"
