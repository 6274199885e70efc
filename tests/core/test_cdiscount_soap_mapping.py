"""The Cdiscount SOAP order mapping: every decision of the spec, on the
serialized GetOrderList orders of ``cdiscount_samples``; and the readers of
the other SOAP answers (errors, packages, STS)."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from mphub.canonical import OrderStatus
from mphub.cdiscount import soap_answers, soap_mapping
from mphub.errors import (
    AuthError,
    InvalidPayload,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from mphub.orders import plan_sale_order

from .cdiscount_samples import (
    SOAP_LINE,
    SOAP_ORDER,
    SOAP_RELAY_ADDRESS,
    soap_accepted,
    soap_order,
    soap_two_lines,
)

D = Decimal
SERIALIZATION = "http://schemas.microsoft.com/2003/10/Serialization/"


def lines_of(order):
    return order["OrderLineList"]["OrderLine"]


def reasons(raw):
    with pytest.raises(InvalidPayload) as info:
        soap_mapping.map_order(raw)
    return info.value.reasons


def test_the_sample_maps_to_the_sale_the_buyer_made():
    order = soap_mapping.map_order(SOAP_ORDER)
    assert order.external_id == "2503011015ABCDE"
    assert order.status == OrderStatus.WAITING_ACCEPTANCE
    assert order.marketplace_status == "WaitingForSellerAcceptation"
    assert order.currency == "EUR" and order.tax_included
    assert order.total == D("44.80") and order.shipping_total == D("5.00")
    (line,) = order.lines
    assert (line.external_id, line.sku, line.quantity) == ("0", "MUG-RED", 2)
    assert (line.unit_price, line.total, line.shipping_price) == (
        D("19.90"),
        D("39.80"),
        D("5.00"),
    )
    # no VAT in the order: the connector takes it from the product
    assert line.taxes == () and line.shipping_taxes == () and line.tax_rate == 0
    assert line.ean == "3700000000017"
    assert line.marketplace_product_id == "MUG3700000000017"
    assert order.shipping_method == "STD"
    assert order.channel == "CDISFR"
    assert not order.fulfilled_by_marketplace
    assert order.extra["supply_mode"] == "Seller"
    assert plan_sale_order(order).expected_total == D("44.80")


def test_dates_without_a_zone_are_paris_time():
    order = soap_mapping.map_order(
        soap_order(
            CreationDate="2025-03-01T10:15:00", ModifiedDate="2025-07-01T10:20:00.123"
        )
    )
    assert order.created_at == datetime(2025, 3, 1, 9, 15, tzinfo=timezone.utc)
    assert order.updated_at == datetime(
        2025, 7, 1, 8, 20, 0, 123000, tzinfo=timezone.utc
    )
    assert order.shipping_deadline == datetime(2025, 3, 3, 16, 0, tzinfo=timezone.utc)


def test_the_last_update_falls_back_on_the_other_dates():
    order = soap_mapping.map_order(soap_order(ModifiedDate=None))
    assert order.updated_at == datetime(2025, 3, 1, 9, 20, tzinfo=timezone.utc)
    order = soap_mapping.map_order(soap_order(ModifiedDate=None, LastUpdatedDate=None))
    assert order.updated_at == order.created_at


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("WaitingForSellerAcceptation", OrderStatus.WAITING_ACCEPTANCE),
        ("AcceptedBySeller", OrderStatus.ACCEPTED),
        ("PaymentInProgress", OrderStatus.ACCEPTED),
        ("WaitingForShipmentAcceptation", OrderStatus.TO_SHIP),
        ("Shipped", OrderStatus.SHIPPED),
        ("PickedUp", OrderStatus.DELIVERED),
        ("RefusedBySeller", OrderStatus.REFUSED),
        ("CancelledByCustomer", OrderStatus.CANCELLED),
        ("AutomaticCancellation", OrderStatus.CANCELLED),
        ("PaymentRefused", OrderStatus.CANCELLED),
        ("None", OrderStatus.PENDING),
        ("BeingValidatedFianet", OrderStatus.PENDING),
        ("ValidatedFianet", OrderStatus.PENDING),
        ("BlockedFraudSuspicion", OrderStatus.PENDING),
        # a state of tomorrow is not actionable: kept verbatim, pending
        ("AwaitingSomethingNew", OrderStatus.PENDING),
    ],
)
def test_order_states(state, status):
    raw = soap_order(OrderState=state)
    order = soap_mapping.map_order(raw)
    assert (order.status, order.marketplace_status) == (status, state)
    assert soap_mapping.raw_state(raw) == (status, state)


def test_raw_state_and_external_id_read_without_mapping():
    broken = {"OrderNumber": " 2503011015ABCDE ", "OrderState": "Shipped"}
    assert soap_mapping.external_id(broken) == "2503011015ABCDE"
    assert soap_mapping.raw_state(broken) == (OrderStatus.SHIPPED, "Shipped")
    for raw in ({}, {"OrderNumber": ""}, {"OrderNumber": 12}, [], None):
        assert soap_mapping.external_id(raw) is None
        assert soap_mapping.raw_state(raw) == (None, None)
    assert soap_mapping.is_soap_order(SOAP_ORDER)
    assert not soap_mapping.is_soap_order({"orderId": "x"})


def test_fulfilment_orders_are_delivered_by_cdiscount():
    raw = soap_order(OrderState="Shipped", IsCLogistiqueOrder=True)
    order = soap_mapping.map_order(raw)
    assert order.fulfilled_by_marketplace
    assert order.marketplace_status == "FBC:Shipped"
    assert order.extra["supply_mode"] == "Fulfillment"
    assert soap_mapping.raw_state(raw) == (OrderStatus.SHIPPED, "FBC:Shipped")
    by_logistics = soap_mapping.map_order(soap_order(ModGesLog="MKPFBC"))
    assert by_logistics.fulfilled_by_marketplace


def test_xdock_orders_are_shipped_by_the_seller():
    order = soap_mapping.map_order(soap_order(ModGesLog="Xdock"))
    assert not order.fulfilled_by_marketplace
    assert order.extra["supply_mode"] == "Xdock"


def test_unit_prices_that_are_not_round_keep_the_total_to_the_cent():
    order = soap_mapping.map_order(soap_two_lines())
    second = order.lines[1]
    assert (second.quantity, second.total) == (3, D("39.80"))
    assert second.unit_price * 3 - second.discount == D("39.80")
    # 2.00 for the first unit, 0.50 for each other one
    assert second.shipping_price == D("3.00")
    assert order.total == D("87.60") == plan_sale_order(order).expected_total


def test_partially_refused_orders_use_the_validated_figures():
    order = soap_mapping.map_order(soap_accepted())
    assert order.status == OrderStatus.ACCEPTED
    assert [line.active for line in order.lines] == [True, False]
    assert order.lines[1].status == "RefusedBySeller"
    assert order.total == D("44.80") and order.shipping_total == D("5.00")
    assert order.commission_total == D("4.10")  # validated, not promised
    assert order.extra["figures"] == "validated"
    assert plan_sale_order(order).expected_total == D("44.80")


def test_before_acceptance_the_initial_figures_count():
    # an accepted order whose validated total is not computed yet
    raw = soap_two_lines(OrderState="AcceptedBySeller")
    assert soap_mapping.map_order(raw).extra["figures"] == "initial"


def test_the_orders_shipping_figure_wins_and_is_spread_on_the_lines():
    raw = soap_two_lines(InitialTotalAmount="85.60")
    raw["InitialTotalShippingChargesAmount"] = "6.00"
    order = soap_mapping.map_order(raw)
    # 6.00 spread as the lines' own 5.00 and 3.00: 3.75 and 2.25
    assert [line.shipping_price for line in order.lines] == [D("3.75"), D("2.25")]
    assert order.shipping_total == D("6.00")
    assert order.total == D("85.60") == plan_sale_order(order).expected_total


def test_a_total_that_does_not_add_up_is_refused_with_both_figures():
    found = reasons(soap_order(InitialTotalAmount="45.80"))
    assert found == [
        "InitialTotalAmount: 45.80 differs from the active lines and shipping 44.80"
    ]
    found = reasons(soap_accepted(ValidatedTotalAmount="87.60"))
    assert "ValidatedTotalAmount: 87.60 differs" in found[0]


def fee_line(amount="3.20"):
    return dict(
        SOAP_LINE,
        SellerProductId="INTERETBCA",
        Name="Interets paiement en 4 fois",
        PurchasePrice=amount,
        Quantity=1,
        RowId=9,
        UnitShippingCharges="0.00",
    )


@pytest.mark.parametrize(("total", "included"), [("48.00", True), ("44.80", False)])
def test_fee_lines_are_not_sold_by_the_seller(total, included):
    raw = soap_order(InitialTotalAmount=total)
    lines_of(raw).append(fee_line())
    order = soap_mapping.map_order(raw)
    assert [line.sku for line in order.lines] == ["MUG-RED"]
    assert order.extra["fees"] == [
        {"sku": "INTERETBCA", "label": "Interets paiement en 4 fois", "amount": "3.20"}
    ]
    assert order.extra["fees_in_total"] is included
    # the sale order holds the seller's goods and shipping only
    assert order.total == D("44.80") == plan_sale_order(order).expected_total


def test_an_order_of_fee_lines_only_has_nothing_to_sell():
    raw = soap_order()
    raw["OrderLineList"]["OrderLine"] = [fee_line("44.80")]
    assert "OrderLineList: no active order line" in reasons(raw)


def test_a_refunded_line_without_units_is_kept_inactive():
    raw = soap_accepted()
    second = lines_of(raw)[1]
    second.update(Quantity=0, AcceptationState="RefundedAfterShipping")
    order = soap_mapping.map_order(raw)
    assert order.lines[1].active is False and order.lines[1].quantity == 1
    assert order.total == D("44.80")


def test_cancelled_orders_map_without_the_total_check():
    raw = soap_order(OrderState="CancelledByCustomer", InitialTotalAmount="1.00")
    lines_of(raw)[0]["AcceptationState"] = "CancelledBeforePaymentByCustomer"
    order = soap_mapping.map_order(raw)
    assert order.status == OrderStatus.CANCELLED
    assert not order.lines[0].active


def test_low_prices_and_free_shipping():
    raw = soap_order(InitialTotalAmount="0.01", InitialTotalShippingChargesAmount="0")
    lines_of(raw)[0].update(
        PurchasePrice="0.01", Quantity=1, UnitShippingCharges="0.00"
    )
    order = soap_mapping.map_order(raw)
    assert order.total == D("0.01") and order.lines[0].unit_price == D("0.01")
    assert plan_sale_order(order).expected_total == D("0.01")


def test_two_lines_of_one_sku_stay_two_lines():
    raw = soap_two_lines()
    lines_of(raw)[1]["SellerProductId"] = "MUG-RED"
    order = soap_mapping.map_order(raw)
    assert [(line.external_id, line.sku) for line in order.lines] == [
        ("0", "MUG-RED"),
        ("1", "MUG-RED"),
    ]


def test_the_buyer_email_is_the_real_one_else_the_relay_address():
    assert soap_mapping.map_order(SOAP_ORDER).customer.email == "c.xyz@clemarche.com"
    raw = soap_order()
    raw["Customer"]["Email"] = "jeanne@example.com"
    assert soap_mapping.map_order(raw).customer.email == "jeanne@example.com"
    raw["Customer"].update(Email=None, EncryptedEmail=None)
    assert soap_mapping.map_order(raw).customer.email is None


def test_relay_points():
    raw = soap_order(ShippingAddress=SOAP_RELAY_ADDRESS, ShippingCode="REL")
    address = soap_mapping.map_order(raw).customer.shipping_address
    assert address.street == "3 avenue Foch"
    assert address.company == "Tabac de la Gare"
    assert address.country_code == "FR"  # "FRANCE"
    assert address.additional_info == (
        "Relay point R12345 (Tabac de la Gare)\nOuvert 7h-19h"
    )
    order = soap_mapping.map_order(raw)
    assert order.customer.company is None  # the relay is no company of the buyer
    assert order.shipping_method == "REL"


def test_companies_and_street_parts():
    address = dict(
        SOAP_ORDER["ShippingAddress"],
        CompanyName="ACME SARL",
        Building="Bât. B",
        ApartmentNumber="Apt 12",
        Address2="Résidence les Pins",
        PlaceName="Lieu-dit Le Bourg",
    )
    order = soap_mapping.map_order(
        soap_order(ShippingAddress=address, BillingAddress=address)
    )
    delivery = order.customer.shipping_address
    assert delivery.company == "ACME SARL" == order.customer.company
    assert delivery.street == "12 rue des Lilas"
    assert delivery.street2 == "Résidence les Pins, Bât. B, Apt 12, Lieu-dit Le Bourg"


def test_the_minimum_an_order_can_have():
    line = {"RowId": 3, "SellerProductId": "PEN-1", "Quantity": 1, "PurchasePrice": "2"}
    raw = {
        "OrderNumber": "2503011016MINIM",
        "OrderState": "WaitingForShipmentAcceptation",
        "CreationDate": "2025-03-01T10:16:00",
        "ShippingAddress": {
            "LastName": "Durand",
            "Address1": "1 place du Marché",
            "ZipCode": "75001",
            "City": "Paris",
            "Country": "FR",
        },
        "OrderLineList": {"OrderLine": [line]},
    }
    order = soap_mapping.map_order(raw)
    assert order.status == OrderStatus.TO_SHIP
    assert order.customer.name == "Durand" and order.customer.email is None
    assert order.total == D("2.00") and order.commission_total is None
    assert order.lines[0].shipping_price == 0 and order.lines[0].title == ""
    assert order.updated_at == order.created_at


@pytest.mark.parametrize("lines", [None, {}, {"OrderLine": None}, {"OrderLine": []}])
def test_orders_without_lines_are_refused(lines):
    # zeep reads a nil OrderLineList as an empty object, an empty one as None
    assert "OrderLineList: no order line" in reasons(soap_order(OrderLineList=lines))


def test_every_malformed_field_is_named():
    raw = soap_order(CreationDate="yesterday", OrderNumber="", Customer=[])
    line = lines_of(raw)[0]
    line.update(Quantity=0, PurchasePrice="-1.00", SellerProductId=" ")
    raw["ShippingAddress"] = dict(raw["ShippingAddress"], ZipCode="", City=None)
    raw["ShippingAddress"]["Country"] = "Atlantis"
    found = reasons(raw)
    for expected in (
        "OrderNumber: blank: ''",
        "CreationDate: not a valid date-time: 'yesterday'",
        "Customer: expected an object, got list",
        "OrderLineList.OrderLine[0].SellerProductId: blank: ' '",
        "OrderLineList.OrderLine[0].Quantity: must be at least 1 on a line still sold",
        "OrderLineList.OrderLine[0].PurchasePrice: must be at least 0, got '-1.00'",
        "ShippingAddress.ZipCode: missing",
        "ShippingAddress.City: missing",
        "ShippingAddress.Country: unknown country 'Atlantis'",
    ):
        assert expected in found


def test_a_date_far_in_the_future_is_refused():
    assert "CreationDate: not a valid date-time: '9999-12-31T23:59:59'" in reasons(
        soap_order(CreationDate="9999-12-31T23:59:59")
    )


def test_a_payload_that_is_not_an_order():
    for raw in ([], "x", None):
        with pytest.raises(InvalidPayload, match="expected an object"):
            soap_mapping.map_order(raw)


def test_commission_is_validated_else_promised_else_unknown():
    assert soap_mapping.map_order(SOAP_ORDER).commission_total == D("5.37")
    raw = soap_order(
        SiteCommissionPromisedAmount=None, SiteCommissionValidatedAmount=None
    )
    assert soap_mapping.map_order(raw).commission_total is None
    raw = soap_order(SiteCommissionPromisedAmount="0.00")
    assert soap_mapping.map_order(raw).commission_total == D("0.00")


def test_an_order_created_after_its_last_change_is_refused():
    raw = soap_order(CreationDate="2099-06-01T11:03:00")
    assert reasons(raw) == [
        "CreationDate: 2099-06-01T09:03:00+00:00 is after the last update "
        "2025-03-01T09:20:00+00:00"
    ]


# -- the readers of the other answers, on what the service may answer ---------
def answer(**values):
    return {"OperationSuccess": True, "ErrorList": None, "ErrorMessage": None, **values}


def test_a_failed_operation_is_the_error_it_names():
    def failed(kind):
        error = {"ErrorType": kind, "Message": "no"}
        return answer(OperationSuccess=False, ErrorList={"Error": [error]})

    for kind, error in (
        ("Quota", ThrottledError),
        ("UnexpectedException", TransientError),
        ("SellerNotAuthorized", AuthError),
        ("PackageNotFound", NotFound),
        ("InvalidRequest", RemoteError),
    ):
        with pytest.raises(error, match=f"GetOrderList: {kind}: no"):
            soap_answers.check_success(failed(kind), "GetOrderList")
    # an empty or nil error list is no error
    for errors in (None, {}, {"Error": []}):
        soap_answers.check_success(answer(ErrorList=errors), "GetOrderList")
    with pytest.raises(RemoteError, match="no reason given"):
        soap_answers.check_success(answer(OperationSuccess=False), "GetOrderList")


def test_an_empty_or_nil_order_list_holds_no_order():
    for orders in (None, {}, {"Order": None}, {"Order": []}):
        assert soap_answers.read_order_list(answer(OrderList=orders)) == []
    with pytest.raises(TransientError):
        soap_answers.read_order_list(answer(OrderList={"Order": ["x"]}))
    with pytest.raises(TransientError):
        soap_answers.read_order_list(None)


def report(status, logs=None, errors=0):
    return answer(
        PackageId=12,
        PackageIntegrationStatus=status,
        NumberOfErrors=errors,
        OfferLogList={"OfferReportLog": logs} if logs is not None else None,
    )


def offer_log(sku, validated, message=None):
    properties = [{"LogMessage": message, "Name": "Price"}] if message else []
    return {
        "SellerProductId": sku,
        "Validated": validated,
        "OfferIntegrationStatus": "Integrated" if validated else "Rejected",
        "PropertyList": {"OfferReportPropertyLog": properties},
    }


def test_package_reports():
    # any status but a final one is pending, an unknown one too
    for status in ("Pending", "IntegrationPending", "SomethingNew", None):
        assert not soap_answers.package_status(report(status)).done
    done = soap_answers.package_status(
        report(
            "PartiallyIntegrated",
            [offer_log("A", True), offer_log("B", False, "must be positive")],
            errors=1,
        )
    )
    assert done.done and not done.failed
    assert done.errors == {"B": "Price: must be positive"}
    rejected = soap_answers.package_status(report("Rejected", [], errors=0))
    assert rejected.done and rejected.failed
    # errors Cdiscount counts but no offer can be blamed for fail the batch
    unplaced = soap_answers.package_status(report("Integrated", [], errors=3))
    assert unplaced.done and unplaced.failed


def test_a_refused_package_is_a_remote_error():
    refused = answer(PackageId=-1, ErrorMessage="the zip cannot be downloaded")
    with pytest.raises(RemoteError, match="cannot be downloaded"):
        soap_answers.read_package_id(refused)
    assert soap_answers.read_package_id(answer(PackageId=42)) == "42"


def test_sts_answers():
    token = "0123456789abcdef0123456789abcdef"
    serialized = f'<string xmlns="{SERIALIZATION}">{token}</string>'.encode()
    assert soap_answers.read_sts_token(serialized) == token
    assert soap_answers.read_sts_token(token.encode()) == token
    for bad in (b"", b"<html>Error</html>", b"<string>x y</string>"):
        with pytest.raises(TransientError):
            soap_answers.read_sts_token(bad)
