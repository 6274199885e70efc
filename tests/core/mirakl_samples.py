"""Hand-written Mirakl OR11 payloads for the mapper tests."""

import copy

ORDER = {
    "order_id": "MKP-000123-A",
    "commercial_id": "MKP-000123",
    "order_state": "WAITING_ACCEPTANCE",
    "created_date": "2025-03-01T09:12:44Z",
    "last_updated_date": "2025-03-01T09:12:45.120Z",
    "shipping_deadline": "2025-03-04T23:59:59Z",
    "channel": {"code": "FR", "label": "France"},
    "currency_iso_code": "EUR",
    "order_tax_mode": "TAX_INCLUDED",
    "payment_workflow": "PAY_ON_ACCEPTANCE",
    "shipping_type_code": "STD",
    "price": 59.70,
    "shipping_price": 5.00,
    "total_price": 64.70,
    "total_commission": 9.66,
    "customer_notification_email": "relay-998@example.invalid",
    "customer": {
        "customer_id": "C-998",
        "firstname": "Jeanne",
        "lastname": "Martin",
        "locale": "fr_FR",
        "shipping_address": {
            "firstname": "Jeanne",
            "lastname": "Martin",
            "street_1": "12 rue des Lilas",
            "zip_code": "69003",
            "city": "Lyon",
            "country_iso_code": "FRA",
            "phone": "0400000000",
        },
        "billing_address": {
            "firstname": "Jeanne",
            "lastname": "Martin",
            "street_1": "12 rue des Lilas",
            "zip_code": "69003",
            "city": "Lyon",
            "country_iso_code": "FRA",
        },
    },
    "order_lines": [
        {
            "order_line_id": "MKP-000123-A-1",
            "order_line_index": 1,
            "order_line_state": "WAITING_ACCEPTANCE",
            "offer_id": 2130,
            "offer_sku": "MUG-RED",
            "product_sku": "MKP1000000037",
            "product_title": "Red mug",
            "quantity": 2,
            "price_unit": 19.90,
            "price": 39.80,
            "shipping_price": 5.00,
            "total_price": 44.80,
            "taxes": [{"code": "TVA_20", "amount": 6.63, "rate": 20.0}],
            "shipping_taxes": [{"code": "TVA_20", "amount": 0.83, "rate": 20.0}],
            "commission_fee": 5.37,
            "commission_vat": 1.07,
            "total_commission": 6.44,
        },
        {
            "order_line_id": "MKP-000123-A-2",
            "order_line_index": 2,
            "order_line_state": "WAITING_ACCEPTANCE",
            "offer_id": 2131,
            "offer_sku": "BOOK-1",
            "product_sku": "MKP1000000099",
            "product_title": "A book",
            "quantity": 1,
            "price_unit": 19.90,
            "price": 19.90,
            "shipping_price": 0,
            "total_price": 19.90,
            "taxes": [{"code": "TVA_55", "amount": 1.04, "rate": 5.5}],
            "shipping_taxes": [],
            "commission_fee": 2.68,
            "commission_vat": 0.54,
            "total_commission": 3.22,
        },
    ],
}


def order(**changes):
    """A deep copy of ORDER with top-level keys replaced."""
    data = copy.deepcopy(ORDER)
    data.update(changes)
    return data
