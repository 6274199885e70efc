"""Realistic marketplace answers the fuzz tests start from.

Shaped after the official descriptions (Mirakl seller OpenAPI, SP-API
models in ``shared/contracts``) and what the sandbox emulators answer.
"""

import copy

from tests.core import cdiscount_samples
from tests.core.mirakl_samples import ORDER as MIRAKL_ORDER

MIRAKL_OFFER = {
    "offer_id": 2130,
    "shop_sku": "MPH-0001",
    "product_sku": "MKP1000000037",
    "product_title": "Red mug",
    "product_references": [
        {"reference_type": "EAN", "reference": "3760420000017"},
        {"reference_type": "SHOP_SKU", "reference": "MPH-0001"},
    ],
    "quantity": 12,
    "price": 19.9,
    "total_price": 24.9,
    "currency_iso_code": "EUR",
    "state_code": "11",
    "active": True,
}

MIRAKL_OFFER_PAGE = {
    "offers": [
        MIRAKL_OFFER,
        dict(MIRAKL_OFFER, offer_id=2131, shop_sku="MPH-0002", quantity=0),
    ],
    "total_count": 250,
}

MIRAKL_STOCK_STATUS = {
    "import_id": "3021",
    "shop_id": 2001,
    "date_created": "2026-03-01T09:12:44Z",
    "status": "COMPLETE",
    "has_error_report": True,
    "lines_in_success": 98,
    "lines_in_error": 2,
}

MIRAKL_PRICE_STATUS = dict(
    MIRAKL_STOCK_STATUS,
    origin="API",
    reason_status="",
    offers_in_error=2,
    offers_updated=98,
)

MIRAKL_ERROR_REPORT = [
    ["line-number", "error-message", "offer-sku", "quantity", "update-delete"],
    ["2", "The offer does not exist", "MPH-0002", "5", "update"],
    ["4", "Quantity must be positive", "MPH-0004", "-1", "update"],
]

MIRAKL_ORDER_PAGE = {"orders": [MIRAKL_ORDER], "total_count": 120}

MIRAKL_CARRIERS = {
    "carriers": [
        {
            "code": "COLISSIMO",
            "label": "Colissimo",
            "standard_code": "COLISSIMO",
            "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois"
            "?code={trackingId}",
        },
        {"code": "DHL", "label": "DHL Express"},
    ]
}

FR = "A13V1IB3VIYZZH"

AMAZON_LISTING = {
    "sku": "MPH-0001",
    "summaries": [
        {
            "marketplaceId": FR,
            "asin": "B0SANDBOX1",
            "productType": "HOME",
            "conditionType": "new_new",
            "status": ["BUYABLE", "DISCOVERABLE"],
            "itemName": "Red mug",
            "createdDate": "2026-01-01T10:00:00Z",
            "lastUpdatedDate": "2026-01-02T10:00:00Z",
        }
    ],
    "attributes": {
        "externally_assigned_product_identifier": [
            {"type": "ean", "value": "3760420000017", "marketplace_id": FR}
        ],
        "fulfillment_availability": [
            {"fulfillment_channel_code": "DEFAULT", "quantity": 12}
        ],
        "purchasable_offer": [
            {
                "marketplace_id": FR,
                "currency": "EUR",
                "audience": "ALL",
                "our_price": [{"schedule": [{"value_with_tax": 19.9}]}],
            }
        ],
    },
    "offers": [
        {
            "marketplaceId": FR,
            "offerType": "B2C",
            "price": {"currencyCode": "EUR", "amount": "19.90"},
            "audience": {"value": "ALL", "displayName": "Sell on Amazon"},
        }
    ],
    "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 12}],
}

AMAZON_LISTING_PAGE = {
    "numberOfResults": 45,
    "items": [AMAZON_LISTING, dict(copy.deepcopy(AMAZON_LISTING), sku="MPH-0002")],
    "pagination": {"nextToken": "eyJzZWxsZXIiOiJBMSIsIm8iOjIwfQ=="},
}

AMAZON_PATCH_ANSWER = {
    "sku": "MPH-0001",
    "status": "ACCEPTED",
    "submissionId": "f1dc2914-75dd-11ea-bc55-0242ac130003",
    "issues": [
        {
            "code": "90220",
            "message": "'condition_type' is required but not supplied.",
            "severity": "WARNING",
            "attributeNames": ["condition_type"],
        }
    ],
}

AMAZON_FEED = {
    "feedId": "50014018563",
    "feedType": "JSON_LISTINGS_FEED",
    "marketplaceIds": [FR],
    "createdTime": "2026-03-01T09:12:44Z",
    "processingStatus": "DONE",
    "processingStartTime": "2026-03-01T09:13:00Z",
    "processingEndTime": "2026-03-01T09:14:00Z",
    "resultFeedDocumentId": "amzn1.tortuga.4.eu.0000000",
}

AMAZON_REPORT = {
    "header": {"sellerId": "A1SANDBOX", "version": "2.0", "feedId": "50014018563"},
    "issues": [
        {
            "messageId": 2,
            "code": "4000001",
            "severity": "ERROR",
            "message": "The SKU does not exist.",
        },
        {
            "messageId": 3,
            "sku": "MPH-0003",
            "code": "90220",
            "severity": "WARNING",
            "message": "'condition_type' is required but not supplied.",
        },
    ],
    "summary": {
        "errors": 1,
        "warnings": 1,
        "messagesProcessed": 3,
        "messagesAccepted": 2,
        "messagesInvalid": 1,
    },
}

AMAZON_PUSHED_SKUS = ["MPH-0001", "MPH-0002", "MPH-0003"]


def _money(amount):
    return {"CurrencyCode": "EUR", "Amount": amount}


AMAZON_ITEM = {
    "ASIN": "B0XXXXXXX1",
    "SellerSKU": "MUG-RED",
    "OrderItemId": "12345678901234",
    "Title": "Red mug",
    "QuantityOrdered": 2,
    "QuantityShipped": 0,
    "ItemPrice": _money("39.80"),
    "ItemTax": _money("6.63"),
    "ShippingPrice": _money("5.00"),
    "ShippingTax": _money("0.83"),
    "IsGift": "false",
}

AMAZON_ORDER = {
    "AmazonOrderId": "402-1234567-1234567",
    "PurchaseDate": "2026-11-01T10:15:00Z",
    "LastUpdateDate": "2026-11-01T10:47:12Z",
    "OrderStatus": "Unshipped",
    "FulfillmentChannel": "MFN",
    "SalesChannel": "Amazon.fr",
    "MarketplaceId": FR,
    "OrderTotal": _money("44.80"),
    "ShippingAddress": {
        "Name": "Jeanne Martin",
        "AddressLine1": "12 rue des Lilas",
        "City": "Lyon",
        "PostalCode": "69003",
        "CountryCode": "FR",
    },
    "BuyerInfo": {"BuyerEmail": "abc@marketplace.amazon.fr"},
    "OrderItems": [AMAZON_ITEM],
}

AMAZON_ORDERS_PAGE = {
    "Orders": [{k: v for k, v in AMAZON_ORDER.items() if k != "OrderItems"}],
    "NextToken": "2YgYW55IGNhcm5hbCBwbGVhcw==",
    "LastUpdatedBefore": "2026-11-01T11:00:00Z",
}

AMAZON_ITEMS_PAGE = {
    "AmazonOrderId": "402-1234567-1234567",
    "OrderItems": [AMAZON_ITEM, dict(AMAZON_ITEM, OrderItemId="12345678901235")],
    "NextToken": "MRgZW55IGNhcm5hbCBwbGVhcw==",
}


# a searchOrders (2026-01-01) order with every dataset, as the sandbox renders it
AMAZON_ORDER_2026 = {
    "buyer": {
        "buyerEmail": "45e65fe018358d51@marketplace.amazon.fr",
        "buyerName": "Léa Blanc",
    },
    "createdTime": "2026-12-01T19:44:54.569Z",
    "fulfillment": {
        "deliverByWindow": {
            "earliestDateTime": "2026-12-04T19:44:54.569Z",
            "latestDateTime": "2026-12-06T19:44:54.569Z",
        },
        "fulfilledBy": "MERCHANT",
        "fulfillmentServiceLevel": "STANDARD",
        "fulfillmentStatus": "UNSHIPPED",
        "shipByWindow": {
            "earliestDateTime": "2026-12-01T19:44:54.569Z",
            "latestDateTime": "2026-12-03T19:44:54.569Z",
        },
    },
    "lastUpdatedTime": "2026-12-01T19:44:54.569Z",
    "orderId": "401-0000001-0890478",
    "orderItems": [
        {
            "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 1},
            "orderItemId": "01000000001001",
            "proceeds": {
                "breakdowns": [
                    {
                        "subtotal": {"amount": "58.30", "currencyCode": "EUR"},
                        "type": "ITEM",
                    },
                    {
                        "subtotal": {"amount": "4.90", "currencyCode": "EUR"},
                        "type": "SHIPPING",
                    },
                    {
                        "detailedBreakdowns": [
                            {
                                "subtype": "ITEM",
                                "value": {"amount": "3.04", "currencyCode": "EUR"},
                            },
                            {
                                "subtype": "SHIPPING",
                                "value": {"amount": "0.82", "currencyCode": "EUR"},
                            },
                        ],
                        "subtotal": {"amount": "3.86", "currencyCode": "EUR"},
                        "type": "TAX",
                    },
                ],
                "proceedsTotal": {"amount": "63.20", "currencyCode": "EUR"},
            },
            "product": {
                "asin": "B0AZA3DVIQ",
                "condition": {"conditionSubtype": "NEW", "conditionType": "NEW"},
                "price": {"unitPrice": {"amount": "58.30", "currencyCode": "EUR"}},
                "sellerSku": "MPH-0017",
                "title": "Livre de cuisine beige 17",
            },
            "quantityOrdered": 1,
        }
    ],
    "proceeds": {
        "breakdowns": [
            {"subtotal": {"amount": "58.30", "currencyCode": "EUR"}, "type": "ITEM"},
            {"subtotal": {"amount": "4.90", "currencyCode": "EUR"}, "type": "SHIPPING"},
            {"subtotal": {"amount": "3.86", "currencyCode": "EUR"}, "type": "TAX"},
        ],
        "grandTotal": {"amount": "63.20", "currencyCode": "EUR"},
    },
    "recipient": {
        "deliveryAddress": {
            "addressLine1": "30 chemin du Moulin",
            "addressType": "RESIDENTIAL",
            "city": "Paris",
            "countryCode": "FR",
            "name": "Léa Blanc",
            "phone": "03 26 87 96 78",
            "postalCode": "75011",
            "stateOrRegion": "Paris",
        },
        "deliveryPreference": {"addressInstruction": "Digicode 9419D, 3e étage"},
    },
    "salesChannel": {
        "channelName": "AMAZON",
        "marketplaceId": "A13V1IB3VIYZZH",
        "marketplaceName": "Amazon.fr",
    },
}

AMAZON_SEARCH_PAGE = {
    "orders": [AMAZON_ORDER_2026],
    "pagination": {"nextToken": "bmV4dA=="},
    "lastUpdatedBefore": "2026-12-01T19:40:00Z",
}

# Cdiscount: an Octopia REST order page and a SOAP GetOrderList answer made
# plain, each with an order of two lines (a unit price that is not round)
CDISCOUNT_REST_ORDER = cdiscount_samples.rest_two_lines()
CDISCOUNT_REST_PAGE = {
    "items": [CDISCOUNT_REST_ORDER],
    "pageIndex": 1,
    "pageSize": 100,
    "totalCount": 250,
}
CDISCOUNT_SOAP_ORDER = cdiscount_samples.soap_accepted()
CDISCOUNT_SOAP_PAGE = {
    "ErrorMessage": None,
    "OperationSuccess": True,
    "ErrorList": None,
    "SellerLogin": "sandbox-cdiscount-api",
    "TokenId": None,
    "OrderList": {
        "Order": [
            CDISCOUNT_SOAP_ORDER,
            cdiscount_samples.soap_order(OrderNumber="2503011016FGHIJ"),
        ]
    },
}
