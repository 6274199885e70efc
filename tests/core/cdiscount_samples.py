"""Hand-written Cdiscount order payloads for the mapper tests.

REST samples: the Octopia Seller API v2 order in the shape the project
reads (``mphub/cdiscount/rest_mapping.py``). SOAP samples (below, their own
section): GetOrderList orders serialized to plain JSON as the SOAP client
stores them.
"""

import copy

# ----------------------------------------------------------------------
# REST samples
# ----------------------------------------------------------------------
REST_ADDRESS = {
    "civility": "MRS",
    "firstName": "Jeanne",
    "lastName": "Martin",
    "addressLine1": "12 rue des Lilas",
    "postalCode": "69003",
    "city": "Lyon",
    "countryCode": "FR",
    "phone": "0400000000",
}

REST_ORDER = {
    "orderId": "2503011015ABCDE",
    "reference": "2503011015ABCDE",
    "salesChannelId": "CDISFR",
    "status": "WaitingAcceptance",
    "supplyMode": "Seller",
    "createdAt": "2025-03-01T09:15:00Z",
    "updatedAt": "2025-03-01T09:20:00Z",
    "acceptanceDeadline": "2025-03-03T09:15:00Z",
    "shippingDeadline": "2025-03-05T17:00:00Z",
    "currency": "EUR",
    "buyer": {
        "id": "ab12cd34",
        "civility": "MRS",
        "firstName": "Jeanne",
        "lastName": "Martin",
        "email": "c.xyz@clemarche.com",
        "phone": "0600000000",
    },
    "billingAddress": dict(REST_ADDRESS),
    "shippingAddress": dict(REST_ADDRESS),
    "shipping": {"mode": "STD", "label": "Standard"},
    "totalPrice": 44.80,
    "totalShippingPrice": 5.00,
    "commission": 5.37,
    "lines": [
        {
            "orderLineId": "1",
            "sellerProductId": "MUG-RED",
            "productId": "MUG3700000000017",
            "ean": "3700000000017",
            "label": "Red mug",
            "condition": "New",
            "quantity": 2,
            "status": "WaitingAcceptance",
            "unitSalesPrice": 19.90,
            "totalSalesPrice": 39.80,
            "shippingPrice": 5.00,
            "commission": 5.37,
        }
    ],
}

REST_SECOND_LINE = {
    "orderLineId": "2",
    "sellerProductId": "MUG-BLUE",
    "productId": "MUG3700000000024",
    "label": "Blue mug",
    "condition": "New",
    "quantity": 3,
    "status": "WaitingAcceptance",
    "unitSalesPrice": 13.27,
    "totalSalesPrice": 39.80,
    "shippingPrice": 2.00,
}

# the minimum the API gives: no optional field at all
REST_MINIMAL = {
    "orderId": "2503011016MINIM",
    "status": "Accepted",
    "createdAt": "2025-03-01T09:16:00",
    "totalPrice": "0.01",
    "buyer": {},
    "shippingAddress": {
        "lastName": "Durand",
        "addressLine1": "1 place du Marché",
        "postalCode": "75001",
        "city": "Paris",
        "countryCode": "FR",
    },
    "lines": [
        {
            "orderLineId": 1,
            "sellerProductId": "PEN-1",
            "quantity": 1,
            "totalSalesPrice": "0.01",
        }
    ],
}


def rest_order(**changes):
    """A deep copy of ``REST_ORDER`` with top-level ``changes``."""
    order = copy.deepcopy(REST_ORDER)
    order.update(copy.deepcopy(changes))
    return order


def rest_two_lines(**changes):
    """``REST_ORDER`` with a second line of 3 units at 39.80 (no round
    unit price): total 44.80 + 41.80 = 86.60, shipping 7.00."""
    order = rest_order(**{"totalPrice": 86.60, "totalShippingPrice": 7.00, **changes})
    order["lines"].append(copy.deepcopy(REST_SECOND_LINE))
    return order


# ----------------------------------------------------------------------
# SOAP samples (GetOrderList orders as the SOAP client stores them: the
# zeep answer in plain JSON, XSD element names, decimals and dates as text,
# absent elements None)
# ----------------------------------------------------------------------
SOAP_ADDRESS = {
    "Address1": None,
    "Address2": None,
    "ApartmentNumber": None,
    "Building": None,
    "City": "LYON",
    "Civility": "MRS",
    "CompanyName": None,
    "Country": "FR",
    "County": None,
    "FirstName": "Jeanne",
    "Instructions": None,
    "LastName": "Martin",
    "PlaceName": None,
    "RelayId": None,
    "Street": "12 rue des Lilas",
    "ZipCode": "69003",
}

SOAP_LINE = {
    "AcceptationState": "None",
    "CategoryCode": "0R0B01",
    "DeliveryDateMax": "2025-03-06T00:00:00",
    "DeliveryDateMin": "2025-03-04T00:00:00",
    "HasClaim": False,
    "InitialPrice": "39.80",
    "IsCDAV": False,
    "IsNegotiated": False,
    "IsProductEanGenerated": False,
    "Name": "Red mug",
    "OrderLineChildList": None,
    "ProductCondition": "New",
    "ProductEan": "3700000000017",
    "ProductId": "MUG3700000000017",
    "PurchasePrice": "39.80",
    "Quantity": 2,
    "RefundShippingCharges": None,
    "RowId": 0,
    "SellerProductId": "MUG-RED",
    "ShippingDateMax": "2025-03-03T00:00:00",
    "ShippingDateMin": "2025-03-02T00:00:00",
    "Sku": "MUG3700000000017",
    "SkuParent": None,
    "UnitAdditionalShippingCharges": "0.00",
    "UnitShippingCharges": "5.00",
}

SOAP_ORDER = {
    "ArchiveParcelList": False,
    "BillingAddress": dict(SOAP_ADDRESS),
    "Corporation": {
        "BusinessUnitId": 1,
        "CorporationCode": "CDSB2C",
        "CorporationId": 1,
        "CorporationName": "Cdiscount",
        "IsMarketPlaceActive": True,
    },
    "CreationDate": "2025-03-01T10:15:00",
    "Customer": {
        "Civility": "MRS",
        "CustomerId": "ab12cd34",
        "Email": None,
        "EncryptedEmail": "c.xyz@clemarche.com",
        "FirstName": "Jeanne",
        "LastName": "Martin",
        "MobilePhone": "0600000000",
        "Phone": None,
        "ShippingFirstName": "Jeanne",
        "ShippingLastName": "Martin",
    },
    "HasClaims": False,
    "InitialTotalAmount": "44.80",
    "InitialTotalShippingChargesAmount": "5.00",
    "IsCLogistiqueOrder": False,
    "LastUpdatedDate": "2025-03-01T10:20:00",
    "ModGesLog": "MKPCDS",
    "ModifiedDate": "2025-03-01T10:20:00",
    "Offer": None,
    "OrderLineList": {"OrderLine": [dict(SOAP_LINE)]},
    "OrderNumber": "2503011015ABCDE",
    "OrderState": "WaitingForSellerAcceptation",
    "ParcelList": None,
    "PartnerOrderRef": None,
    "ShippedTotalAmount": "0.00",
    "ShippedTotalShippingCharges": "0.00",
    "ShippingAddress": dict(SOAP_ADDRESS),
    "ShippingCode": "STD",
    "ShippingDateMax": "2025-03-03T17:00:00",
    "ShippingDateMin": "2025-03-02T00:00:00",
    "SiteCommissionPromisedAmount": "5.37",
    "SiteCommissionShippedAmount": "0.00",
    "SiteCommissionValidatedAmount": "0.00",
    "Status": "Waiting",
    "ValidatedTotalAmount": "0.00",
    "ValidatedTotalShippingCharges": "0.00",
    "ValidationStatus": "None",
    "VisaCegid": None,
    "VoucherList": None,
}

# a second line of 3 units for 39.80 (no round unit price), 2.00 for the
# first unit and 0.50 for each other: 3.00 of shipping
SOAP_SECOND_LINE = dict(
    SOAP_LINE,
    Name="Blue mug",
    ProductEan="3700000000024",
    ProductId="MUG3700000000024",
    PurchasePrice="39.80",
    InitialPrice="39.80",
    Quantity=3,
    RowId=1,
    SellerProductId="MUG-BLUE",
    Sku="MUG3700000000024",
    UnitAdditionalShippingCharges="0.50",
    UnitShippingCharges="2.00",
)

# a relay point delivery: the point's name and id, the street left empty
SOAP_RELAY_ADDRESS = dict(
    SOAP_ADDRESS,
    Street=None,
    Address1="3 avenue Foch",
    PlaceName="Tabac de la Gare",
    RelayId="R12345",
    Instructions="Ouvert 7h-19h",
    ZipCode="75016",
    City="PARIS",
    Country="FRANCE",
)


def soap_order(**changes):
    """A deep copy of ``SOAP_ORDER`` with top-level ``changes``."""
    order = copy.deepcopy(SOAP_ORDER)
    order.update(copy.deepcopy(changes))
    return order


def soap_two_lines(**changes):
    """``SOAP_ORDER`` with ``SOAP_SECOND_LINE``: 39.80 + 39.80 of goods,
    5.00 + 3.00 of shipping, 87.60 in all."""
    order = soap_order(
        InitialTotalAmount="87.60", InitialTotalShippingChargesAmount="8.00"
    )
    order["OrderLineList"]["OrderLine"].append(copy.deepcopy(SOAP_SECOND_LINE))
    order.update(copy.deepcopy(changes))
    return order


def soap_accepted(**changes):
    """``soap_two_lines`` accepted with its second line refused: the
    validated figures hold only the first line."""
    order = soap_two_lines(
        OrderState="AcceptedBySeller",
        Status="Validated",
        ValidatedTotalAmount="44.80",
        ValidatedTotalShippingCharges="5.00",
        SiteCommissionValidatedAmount="4.10",
    )
    first, second = order["OrderLineList"]["OrderLine"]
    first["AcceptationState"] = "AcceptedBySeller"
    second["AcceptationState"] = "RefusedBySeller"
    order.update(copy.deepcopy(changes))
    return order
