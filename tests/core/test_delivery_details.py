"""What the buyer gives about the delivery reaches the canonical order: the
recipient's company, additional street lines, the carrier's instructions and
the address type, as the official contracts name them."""

import copy

import pytest
from mphub.amazon.mapping import map_order as map_amazon
from mphub.errors import InvalidPayload
from mphub.mirakl.mapping import map_order as map_mirakl
from mphub.sandbox import customers

from . import mirakl_samples
from .test_amazon_mapping import raw_order


def mirakl_order(**shipping):
    raw = copy.deepcopy(mirakl_samples.ORDER)
    raw["customer"]["shipping_address"].update(shipping)
    return raw


def test_mirakl_additional_info_and_both_company_lines():
    order = map_mirakl(
        mirakl_order(
            company="Dupont SAS",
            company_2="Service achats",
            additional_info="  Code porte 1234B, 3e étage ",
        )
    )
    address = order.customer.shipping_address
    assert address.company == "Dupont SAS - Service achats"
    assert address.additional_info == "Code porte 1234B, 3e étage"


def test_mirakl_blank_details_are_none_and_wrong_types_are_errors():
    address = map_mirakl(
        mirakl_order(company="  ", additional_info="")
    ).customer.shipping_address
    assert address.company is None and address.additional_info is None
    with pytest.raises(InvalidPayload) as err:
        map_mirakl(mirakl_order(additional_info={"text": "code"}))
    assert "customer.shipping_address.additional_info" in str(err.value)


def test_mirakl_additional_info_does_not_change_the_address_key():
    plain = map_mirakl(mirakl_order()).customer.shipping_address
    detailed = map_mirakl(
        mirakl_order(additional_info="Code 12")
    ).customer.shipping_address
    assert plain.fingerprint() == detailed.fingerprint()


def test_amazon_company_third_line_and_address_type():
    raw = raw_order()
    raw["ShippingAddress"].update(
        CompanyName="Atelier Roux",
        AddressLine2="Bâtiment B",
        AddressLine3="Zone artisanale",
        AddressType="Commercial",
    )
    order = map_amazon(raw)
    address = order.customer.shipping_address
    assert address.company == "Atelier Roux"
    assert address.street2 == "Bâtiment B, Zone artisanale"
    assert address.address_type == "commercial"
    # an EU business order: the company is kept, Amazon gives no VAT number
    assert order.customer.company == "Atelier Roux"
    assert order.customer.vat is None


def test_amazon_unknown_address_type_is_ignored():
    raw = raw_order()
    raw["ShippingAddress"]["AddressType"] = "Moon"
    assert map_amazon(raw).customer.shipping_address.address_type is None


def test_amazon_delivery_preferences_of_get_order_address():
    raw = raw_order(
        DeliveryPreferences={
            "AddressInstructions": "Sonner chez le gardien",
            "DropOffLocation": "FrontDoor",
        }
    )
    address = map_amazon(raw).customer.shipping_address
    assert address.additional_info == "Sonner chez le gardien\nFrontDoor"


def test_amazon_vat_only_where_the_api_gives_it():
    # Turkey: BuyerTaxInformation of a BUSINESS invoice preference
    raw = raw_order(
        BuyerInvoicePreference="BUSINESS",
        BuyerTaxInformation={
            "BuyerLegalCompanyName": "Anadolu Ltd",
            "BuyerTaxRegistrationId": "1234567890",
        },
    )
    customer = map_amazon(raw).customer
    assert customer.vat == "1234567890"
    assert customer.company == "Anadolu Ltd"


def test_sandbox_buyers_sometimes_give_delivery_details():
    pool = customers.customers(seed=42)
    shipping = [buyer["shipping_address"] for buyer in pool]
    for key in ("company", "additional_info", "street_3"):
        assert 0 < sum(key in address for address in shipping) < len(pool) / 2, key
    # deterministic, and the values buyers had before are untouched
    assert customers.customers(seed=42) == pool
    assert pool[0]["customer_id"] == "C-42-00000"
