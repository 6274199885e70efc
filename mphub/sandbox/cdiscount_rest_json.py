"""The JSON renderings of the Cdiscount emulator's Octopia REST API: orders,
offers, offer packages and problem details (``cdiscount_rest`` serves
them). Amounts are JSON numbers (tax included, EUR); absent values are
left out; a malformed order's REST-only shape defects (``amount_text``,
``quantity_text``, ``no_lines``) are applied here.
"""

from http import HTTPStatus

from .cdiscount_store import SALES_CHANNEL
from .server import HttpError, dumps, format_timestamp

# StoreError code -> HTTP status of the REST answer
STORE_STATUS = {
    "OrderNotFound": 404,
    "OrderStateIncoherent": 409,
    "OrderLineIncoherentState": 409,
    "OrderLineNotFound": 400,
    "MissingField": 400,
    "InvalidRequest": 400,
}


def problem(status, detail, errors=None):
    """Octopia's problem details."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {
        "type": f"https://developer.octopia-io.net/problems/{status}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def store_error(err):
    """The REST answer to a ``StoreError``."""
    status = STORE_STATUS.get(err.code, 400)
    return HttpError(
        status, err.message, errors=[{"code": err.code, "message": err.message}]
    )


def _amount(value):
    return None if value is None else float(value)


def _compact(data):
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _date(moment):
    return format_timestamp(moment) if moment else None


# ----------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------
def render_address(address):
    second = ", ".join(
        part for part in (address.address2, address.building, address.apartment) if part
    )
    data = _compact(
        {
            "civility": address.civility if address.civility != "None" else None,
            "firstName": address.first_name,
            "lastName": address.last_name,
            "companyName": address.company,
            "addressLine1": address.street or address.address1,
            "addressLine2": second,
            "addressLine3": address.address3,
            "postalCode": address.zip_code,
            "city": address.city,
            "countryCode": address.country,
            "phone": address.phone,
            "relayId": address.relay_id,
            "relayName": address.place_name,
            "instructions": address.instructions,
        }
    )
    # the empty_address defect: the keys stay, empty
    data.setdefault("postalCode", address.zip_code)
    data.setdefault("city", address.city)
    data.setdefault("countryCode", address.country)
    return data


def render_line(order, line):
    return _compact(
        {
            "orderLineId": line.line_id,
            "sellerProductId": line.sku if line.sku else None,
            "productId": line.product_id,
            "ean": line.ean,
            "label": line.name,
            "condition": line.condition,
            "quantity": line.quantity,
            "status": line.status,
            "unitSalesPrice": _amount(line.unit_price),
            "totalSalesPrice": _amount(line.total),
            "shippingPrice": _amount(line.shipping) if not line.fee else 0.0,
            "commission": _amount(line.commission),
        }
    ) | ({"sellerProductId": ""} if not line.sku else {})


def render_order(order):
    """The ORDER object of the REST API (defects included)."""
    customer = order.customer
    data = _compact(
        {
            "orderId": order.number,
            "reference": order.number,
            "salesChannelId": SALES_CHANNEL,
            "status": order.status,
            "supplyMode": order.supply_mode,
            "createdAt": _date(order.created),
            "updatedAt": _date(order.updated),
            "acceptanceDeadline": _date(order.acceptance_deadline),
            "shippingDeadline": _date(order.shipping_date_max),
            "shippedAt": _date(order.shipped_at),
            "deliveredAt": _date(order.delivered_at),
            "currency": "EUR",
            "buyer": _compact(
                {
                    "id": customer.customer_id,
                    "civility": customer.civility
                    if customer.civility != "None"
                    else None,
                    "firstName": customer.first_name,
                    "lastName": customer.last_name,
                    "email": customer.encrypted_email or customer.email,
                    "phone": customer.mobile or customer.phone,
                }
            ),
            "billingAddress": render_address(order.billing),
            "shippingAddress": render_address(order.shipping_address),
            "shipping": _compact(
                {
                    "mode": order.shipping_code,
                    "label": order.shipping_label,
                    "relayId": order.shipping_address.relay_id,
                }
            ),
            "totalPrice": _amount(order.active_total),
            "totalShippingPrice": _amount(order.active_shipping),
            "commission": _amount(order.commission),
            "lines": [render_line(order, line) for line in order.lines],
        }
    )
    data.setdefault("lines", [])
    _apply_rest_defect(data, order.defect)
    return data


def _apply_rest_defect(data, defect):
    if defect == "amount_text":
        data["totalPrice"] = "abc"
    elif defect == "quantity_text" and data["lines"]:
        data["lines"][0]["quantity"] = "two"
    elif defect == "no_lines":
        del data["lines"]


def order_json(order):
    """The ORDER's JSON bytes, cached until the order changes."""
    cached = order.cache.get("rest")
    if cached is None:
        cached = order.cache["rest"] = dumps(render_order(order))
    return cached


def render_offer(offer):
    data = {
        "sellerProductId": offer.sku,
        "productId": offer.product_id,
        "ean": offer.ean,
        "label": offer.label,
        "price": float(offer.price),
        "stock": offer.stock,
        "condition": offer.condition,
        "status": offer.status,
        "updatedAt": format_timestamp(offer.updated),
    }
    if offer.defect == "no_sku":
        del data["sellerProductId"]
    elif offer.defect == "price_text":
        data["price"] = "abc"
    return data


def render_package(package):
    data = {
        "packageId": package.package_id,
        "status": package.status,
        "salesChannelId": SALES_CHANNEL,
        "type": package.package_type,
        "createdAt": format_timestamp(package.created),
        "offerCount": len(package.rows),
        "errorCount": package.error_count,
    }
    if package.done:
        data["offers"] = [
            {
                "sellerProductId": result["sku"],
                "status": result["status"],
                "errors": result["errors"],
            }
            for result in package.results
        ]
    return data
