"""The SOAP rendering of the Cdiscount store: orders, offers, packages.

Each function turns store objects (``cdiscount_model``) into the values
``cdiscount_wsdl.render_result`` serializes: dicts keyed by the XSD element
names (a missing key is an absent element, None a nil one), lists for the
``ArrayOf`` types. The variety is the contract's: a quarter of the orders
(by their index) leave their empty optional elements out instead of
sending them nil; decimals the service leaves unset (commissions not given)
are absent, as the XSD allows.
"""

from decimal import Decimal
from urllib.parse import urlsplit

import requests

from ..cdiscount.package import MAX_PACKAGE_BYTES
from . import cdiscount_wsdl as wsdl

ZERO = Decimal("0.00")
CORPORATION = {
    "BusinessUnitId": 1,
    "CorporationCode": "CDSB2C",
    "CorporationId": 1,
    "CorporationName": "Cdiscount",
    "IsMarketPlaceActive": True,
}
OFFER_POOLS = [{"Description": "Cdiscount", "Id": 1}]
DELIVERY_MODES = [
    {"Code": "STD", "Name": "Standard"},
    {"Code": "TRK", "Name": "Suivi"},
    {"Code": "REL", "Name": "Point Retrait"},
    {"Code": "EXP", "Name": "Express"},
]
FULFILMENT_ORDER_TYPES = ("IsFulfillment", "MKPFBC")
PACKAGE_TYPES = ("StockAndPrice", "Full")
DOWNLOAD_TIMEOUT = 10


def _compact(value):
    """``value`` without its nil members (absent instead)."""
    return {key: item for key, item in value.items() if item is not None}


def _address(address, compact):
    if address is None:
        return None
    extra = " ".join(text for text in (address.address2, address.address3) if text)
    value = {
        "Address1": address.address1,
        "Address2": extra or None,
        "ApartmentNumber": address.apartment,
        "Building": address.building,
        "City": address.city,
        "Civility": address.civility or "None",
        "CompanyName": address.company,
        "Country": address.country_text,
        "County": address.county,
        "FirstName": address.first_name,
        "Instructions": address.instructions,
        "LastName": address.last_name,
        "PlaceName": address.place_name,
        "RelayId": address.relay_id,
        "Street": address.street,
        "ZipCode": address.zip_code,
    }
    return _compact(value) if compact else value


def _customer(order, compact):
    customer, shipping = order.customer, order.shipping_address
    if customer is None:
        return None
    value = {
        "Civility": customer.civility,
        "CustomerId": customer.customer_id,
        "Email": customer.email,
        "EncryptedEmail": customer.encrypted_email,
        "FirstName": customer.first_name,
        "LastName": customer.last_name,
        "MobilePhone": customer.mobile,
        "Phone": customer.phone,
        "ShippingFirstName": shipping.first_name if shipping else None,
        "ShippingLastName": shipping.last_name if shipping else None,
    }
    return _compact(value) if compact else value


def _line(order, line, compact):
    value = {
        "AcceptationState": line.acceptation,
        "CategoryCode": line.category or None,
        "DeliveryDateMax": order.delivery_date_max,
        "DeliveryDateMin": order.delivery_date_min,
        "HasClaim": False,
        "InitialPrice": line.total,
        "IsCDAV": False,
        "IsNegotiated": False,
        "IsProductEanGenerated": False,
        "Name": line.name,
        "OrderLineChildList": None,
        "ProductCondition": line.condition,
        "ProductEan": line.ean,
        "ProductId": line.product_id,
        "PurchasePrice": line.total,
        "Quantity": line.quantity,
        "RefundShippingCharges": False,
        "RowId": line.row_id,
        "SellerProductId": line.sku,
        "ShippingDateMax": order.shipping_date_max,
        "ShippingDateMin": order.shipping_date_min,
        "Sku": line.product_id,
        "SkuParent": None,
        "UnitAdditionalShippingCharges": line.additional_shipping,
        "UnitShippingCharges": line.unit_shipping,
    }
    return _compact(value) if compact else value


def _parcel(order, shipment, carriers):
    items = []
    for line_id in shipment.line_ids:
        line = order.line(line_id)
        if line is not None:
            items.append(
                {
                    "ProductName": line.name,
                    "Quantity": line.quantity,
                    "Sku": line.product_id,
                }
            )
    delivered = order.status == "Delivered"
    return {
        "CustomerNum": None,
        "ExternalCarrierName": shipment.carrier_name,
        "ExternalCarrierTrackingUrl": shipment.tracking_url,
        "IsCustomerReturn": False,
        "ParcelItemList": items,
        "ParcelStatus": "Delivered" if delivered else "Committed The Transporter",
        "RealCarrierCode": carriers.get(shipment.carrier_name),
    }


def order_value(order, lines, parcels, carriers=None):
    """The ``Order`` of a store order; ``lines``, ``parcels``: the filter's
    FetchOrderLines and FetchParcels (nil lists otherwise)."""
    compact = order.index % 4 == 0
    carriers = carriers or {}
    line_list = None
    if lines and order.soap_defect != "no_lines":
        line_list = [_line(order, line, compact) for line in order.lines]
    value = {
        "ArchiveParcelList": False,
        "BillingAddress": _address(order.billing, compact),
        "Corporation": CORPORATION,
        "CreationDate": order.created,
        "Customer": _customer(order, compact),
        "HasClaims": False,
        "InitialTotalAmount": order.initial_total,
        "InitialTotalShippingChargesAmount": order.initial_shipping,
        "IsCLogistiqueOrder": order.fulfilment,
        "LastUpdatedDate": order.updated,
        "ModGesLog": order.mod_ges_log,
        "ModifiedDate": order.updated,
        "Offer": None,
        "OrderLineList": line_list,
        "OrderNumber": order.number,
        "OrderState": order.soap_state,
        "ParcelList": (
            [_parcel(order, s, carriers) for s in order.shipments] if parcels else None
        ),
        "PartnerOrderRef": None,
        "ShippedTotalAmount": order.shipped_total,
        "ShippedTotalShippingCharges": order.shipped_shipping,
        "ShippingAddress": _address(order.shipping_address, compact),
        "ShippingCode": order.shipping_code,
        "ShippingDateMax": order.shipping_date_max,
        "ShippingDateMin": order.shipping_date_min,
        # decimals, not nillable: absent when not given
        "SiteCommissionPromisedAmount": order.commission_promised,
        "SiteCommissionShippedAmount": order.commission_shipped,
        "SiteCommissionValidatedAmount": order.commission_validated,
        "Status": order.soap_status,
        "ValidatedTotalAmount": order.validated_total,
        "ValidatedTotalShippingCharges": order.validated_shipping,
        "ValidationStatus": "None",
        "VisaCegid": None,
        "VoucherList": None,
    }
    return _compact(value) if compact else value


def soap_order(order, lines, parcels, carriers=None):
    """The rendered ``Order`` element (``Raw``), cached on the order until
    it changes."""
    key = ("soap", bool(lines), bool(parcels))
    if key not in order.cache:
        value = order_value(order, lines, parcels, carriers)
        order.cache[key] = wsdl.render_element("Order", "Order", value)
    return order.cache[key]


def _bound(order_filter, key):
    try:
        return wsdl.parse_datetime(order_filter.get(key))
    except ValueError as err:
        raise ValueError(f"{key}: not a date-time: {order_filter.get(key)!r}") from err


def _in_range(moment, bounds):
    begin, end = bounds
    return (begin is None or moment >= begin) and (end is None or moment <= end)


def order_selector(order_filter):
    """A predicate of the orders an ``OrderFilter`` (read) selects: states,
    dates, order type, corporation, partner reference. A date range's
    bounds are included, a missing bound is open; given both, the creation
    and the modification ranges select the orders created OR modified in
    them (clients send both pairs, equal, to follow changes). ``ValueError``
    on an unreadable date."""
    states = {state for state in order_filter.get("States") or () if state}
    ranges = {
        attribute: (
            _bound(order_filter, f"Begin{name}"),
            _bound(order_filter, f"End{name}"),
        )
        for attribute, name in (
            ("created", "CreationDate"),
            ("updated", "ModificationDate"),
        )
    }
    ranges = {key: bounds for key, bounds in ranges.items() if bounds != (None, None)}
    order_type = order_filter.get("OrderType") or "None"
    corporation = order_filter.get("CorporationCode")
    partner = order_filter.get("PartnerOrderRef")

    def select(order):
        if states and order.soap_state not in states:
            return False
        if ranges and not any(
            _in_range(getattr(order, key), bounds) for key, bounds in ranges.items()
        ):
            return False
        if order_type in FULFILMENT_ORDER_TYPES and not order.fulfilment:
            return False
        if order_type == "EXTFBC":
            return False
        if corporation and corporation != CORPORATION["CorporationCode"]:
            return False
        return not partner

    return select


# ----------------------------------------------------------------------
# offers, packages, seller
# ----------------------------------------------------------------------
def offer_value(offer):
    """The ``Offer`` of a store offer (defects: SellerProductId nil, Price
    0)."""
    price = ZERO if offer.defect == "price_text" else offer.price
    return {
        "BestShippingCharges": offer.shipping_charges,
        "Comments": None,
        "CreationDate": offer.created,
        "DeaTax": ZERO,
        "DiscountList": [],
        "EcoTax": ZERO,
        "IntegrationPrice": price,
        "IsCDAV": False,
        "LastUpdateDate": offer.updated,
        "LogisticMode": "Marketplace",
        "MinimumPriceForPriceAlignment": None,
        "OfferPoolList": OFFER_POOLS,
        "OfferState": offer.status,
        "ParentProductId": None,
        "Price": price,
        "PriceMustBeAligned": "Empty",
        "ProductCondition": offer.condition,
        "ProductEan": offer.ean,
        "ProductId": offer.product_id,
        "ProductPackagingUnit": "None",
        "ProductPackagingUnitPrice": ZERO,
        "ProductPackagingValue": ZERO,
        "SellerProductId": None if offer.defect == "no_sku" else offer.sku,
        "ShippingInformationList": [
            {
                "AdditionalShippingCharges": ZERO,
                "DeliveryMode": DELIVERY_MODES[0],
                "MaxLeadTime": 5,
                "MinLeadTime": 2,
                "ShippingCharges": offer.shipping_charges,
            }
        ],
        "Stock": offer.stock,
        "StrikedPrice": None,
        "VatRate": offer.vat_rate,
    }


_SORTS = {
    "ByPriceAscending": (lambda offer: offer.price, False),
    "ByPriceDescending": (lambda offer: offer.price, True),
    "ByCreationDateDescending": (lambda offer: offer.created, True),
}


def select_offers(offers, offer_filter):
    """The offers an ``OfferFilter`` / ``OfferFilterPaginated`` (read)
    selects, sorted as it asks."""
    skus = {sku for sku in offer_filter.get("SellerProductIdList") or () if sku}
    state = offer_filter.get("OfferStateFilter") or "AllOffersOnly"
    criterion = offer_filter.get("OfferFilterCriterion")
    selected = []
    for offer in offers:
        if skus and offer.sku not in skus:
            continue
        if (
            state in ("OnlineOffersOnly", "PublishedOffersOnly")
            and offer.status != "Active"
        ):
            continue
        if state == "OfflineOffersOnly" and offer.status == "Active":
            continue
        if criterion and (criterion == "NewOffersOnly") != (offer.condition == "New"):
            continue
        selected.append(offer)
    sort = _SORTS.get(offer_filter.get("OfferSortOrder"))
    if sort:
        selected.sort(key=sort[0], reverse=sort[1])
    return selected


def _offer_log(package, result):
    properties = [
        {
            "LogMessage": error["message"],
            "Name": error["code"],
            "PropertyCode": error["code"],
            "PropertyError": error["message"],
        }
        for error in result["errors"]
    ]
    return {
        "LogDate": package.created,
        "OfferIntegrationStatus": result["status"],
        "ProductEan": result.get("ean"),
        "PropertyList": properties,
        "SellerProductId": result.get("sku"),
        "Sku": None,
        "Validated": result["status"] == "Integrated",
    }


def package_report(package):
    """The ``OfferIntegrationReportMessage`` fields of a package: its
    offers' logs once it is integrated."""
    return {
        "NumberOfErrors": package.error_count,
        "OfferLogList": [
            _offer_log(package, result) for result in package.results or ()
        ],
        "PackageId": package.number,
        "PackageIntegrationStatus": package.soap_status,
    }


def seller_information(seller):
    """The ``SellerMessage`` fields of a seller."""
    address = {
        "Address1": None,
        "Address2": None,
        "City": "Bordeaux",
        "Civility": "None",
        "CompanyName": seller.name,
        "Country": "FR",
        "Street": "120-126 quai de Bacalan",
        "ZipCode": "33300",
    }
    return {
        "DeliveryModes": DELIVERY_MODES,
        "OfferPoolList": OFFER_POOLS,
        "Seller": {
            "Email": f"{seller.login}@sandbox.invalid",
            "IsAvailable": "ActiveSeller",
            "Login": seller.login,
            "MobileNumber": None,
            "PhoneNumber": "0556000000",
            "SellerAddress": address,
            "ShopName": seller.name,
            "ShopUrl": f"https://www.cdiscount.com/mpv-{seller.seller_id}.html",
            "SiretNumber": f"{seller.seller_id:014d}",
            "State": "Activated",
        },
    }


# ----------------------------------------------------------------------
# packages submitted
# ----------------------------------------------------------------------
class DownloadError(Exception):
    """The package's URL cannot be downloaded."""


def download_package(url):
    """The bytes at ``url`` (http or https only), at most
    ``MAX_PACKAGE_BYTES``; raises ``DownloadError``."""
    if not url:
        raise DownloadError("The ZipFileFullPath is required")
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"The package URL must be an http(s) URL: {url}")
    try:
        with requests.get(url, timeout=DOWNLOAD_TIMEOUT, stream=True) as response:
            if response.status_code != 200:
                raise DownloadError(
                    f"The package could not be downloaded from {url}: HTTP "
                    f"{response.status_code}"
                )
            data = response.raw.read(MAX_PACKAGE_BYTES + 1, decode_content=True)
    except requests.RequestException as err:
        raise DownloadError(
            f"The package could not be downloaded from {url}: {err}"
        ) from err
    if len(data) > MAX_PACKAGE_BYTES:
        raise DownloadError(f"The package at {url} is too large")
    return data


# what a StockAndPrice package requires of each offer
STOCK_AND_PRICE = ("ProductEan", "Price", "Stock")


def package_row(offer, package_type):
    """The store's row of an offer read from a package: its values (the
    text of an unreadable one, which the store rejects) and the errors of
    what the package type requires."""
    attributes = offer["attributes"]
    row = {
        "sku": offer["sku"],
        "ean": offer["ean"],
        "price": offer["price"]
        if offer["price"] is not None
        else attributes.get("Price"),
        "stock": offer["stock"]
        if offer["stock"] is not None
        else attributes.get("Stock"),
        "errors": [],
    }
    if package_type == "StockAndPrice":
        for name in STOCK_AND_PRICE:
            if attributes.get(name) in (None, ""):
                row["errors"].append(
                    {
                        "code": "MissingField",
                        "message": f"{name} is required in a StockAndPrice package",
                    }
                )
    return row
