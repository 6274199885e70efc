"""XML rendering of the Fnac Darty emulator's answers, in the official XSDs'
element order (text building: a page of 100 orders renders in
milliseconds). ``el(name, value)``: None -> absent, "" -> an empty element,
anything else -> escaped text.
"""

from xml.sax.saxutils import escape, quoteattr

from .fnac_data import NS, fnac_datetime
from .protocols import xml_answer


def el(name, value):
    if value is None:
        return ""
    if value == "":
        return f"<{name}/>"
    return f"<{name}>{escape(str(value))}</{name}>"


def date_el(name, moment):
    return "" if moment is None else f"<{name}>{fnac_datetime(moment)}</{name}>"


def error_el(code, message, severity="ERROR"):
    code = f" code={quoteattr(str(code))}" if code else ""
    return f'<error severity="{severity}"{code}>{escape(str(message))}</error>'


def document(root, status, body, **attributes):
    """The bytes of a ``root`` document in the Fnac namespace (without XML
    declaration: ``xml_answer`` adds it)."""
    extra = "".join(
        f" {key}={quoteattr(str(value))}" for key, value in attributes.items()
    )
    return f'<{root} xmlns="{NS}" status="{status}"{extra}>{body}</{root}>'.encode()


def answer(root, status, body):
    """The HTTP answer of a ``root`` document."""
    return xml_answer(document(root, status, body))


def paging_el(page, total_paging, per_page, total, with_per_page=True):
    per = el("nb_total_per_page", per_page) if with_per_page else ""
    return (
        f"{el('page', page)}{el('total_paging', total_paging)}{per}"
        f"{el('nb_total_result', total)}"
    )


# -- orders --------------------------------------------------------------------
_ADDRESS_FIELDS = (
    "firstname",
    "lastname",
    "company",
    "address1",
    "address2",
    "address3",
    "zipcode",
    "city",
    "state",
    "country",
    "phone",
    "mobile",
    "fnac_shop_ref",
    "nif",
)


def address_el(name, values):
    inner = "".join(el(key, values.get(key)) for key in _ADDRESS_FIELDS)
    return f"<{name}>{inner}</{name}>"


def _null_date(name, moment, empty):
    if moment is not None:
        return date_el(name, moment)
    return f"<{name}/>" if empty else ""


def line_el(line):
    image = f"https://static.fnac-static.com/multimedia/{line.product_fnac_id}.jpg"
    return "".join(
        (
            "<order_detail>",
            el("order_detail_id", line.line_id),
            el("state", line.state),
            el("product_fnac_id", line.product_fnac_id),
            el("product_name", line.product_name),
            el("offer_fnac_id", line.offer_fnac_id),
            el("offer_seller_id", line.sku),
            el("price", line.price),
            el("fees", line.fees),
            el("product_state", line.product_state),
            el("quantity", line.quantity),
            el("description", line.description),
            el("internal_comment", line.internal_comment),
            date_el("debited_at", line.debited),
            date_el("created_at", line.created),
            _null_date("received_at", line.received, line.empty_dates),
            _null_date("refused_at", line.refused, line.empty_dates),
            el("product_url", f"https://www.fnac.com/a{line.product_fnac_id}"),
            el("image", image if line.line_id % 2 else None),
            el("tracking_number", line.tracking_number),
            el("shipping_price", line.shipping_price),
            el("shipping_method", line.shipping_method),
            el("promotion_type", line.promotion_type),
            el("promotion_uid", line.promotion_uid),
            "</order_detail>",
        )
    )


def order_el(order):
    return "".join(
        (
            "<order>",
            el("shop_id", order.shop_id),
            el("client_id", order.client_id),
            el("client_firstname", order.client_firstname),
            el("client_lastname", order.client_lastname),
            el("client_email", order.client_email),
            el("adherent_number", order.adherent_number),
            el("order_id", order.order_id),
            el("client_culture", order.client_culture),
            el("state", order.state),
            date_el("created_at", order.created),
            el("fees", order.fees),
            el("invoice_number_reference", order.invoice_number_reference),
            el("vat_rate", order.vat_rate),
            el("nb_messages", order.nb_messages),
            el("delivery_note", order.delivery_note),
            address_el("shipping_address", order.shipping_address),
            address_el("billing_address", order.billing_address),
            *(line_el(line) for line in order.lines),
            "</order>",
        )
    )


def update_result_el(result):
    """One order of an orders_update_response: ``result`` = {"order_id",
    "status", "state", "errors": [(code, message)], "details": [(line id,
    status, state, errors)]}."""
    details = "".join(
        f"<order_detail>{el('order_detail_id', line_id)}{el('status', status)}"
        f"{el('state', state)}{''.join(error_el(*e) for e in errors)}</order_detail>"
        for line_id, status, state, errors in result.get("details", ())
    )
    errors = "".join(error_el(*error) for error in result.get("errors", ()))
    return (
        f"<order>{el('status', result['status'])}{el('order_id', result['order_id'])}"
        f"{el('state', result.get('state'))}{errors}{details}</order>"
    )


def carrier_el(code, name):
    return f'<carrier global="1" code="{code}">{el("name", name)}</carrier>'


# -- offers --------------------------------------------------------------------
def offer_el(offer):
    return "".join(
        (
            "<offer>",
            el("product_name", offer.product_name),
            el("product_fnac_id", offer.product_fnac_id),
            el("offer_fnac_id", offer.offer_fnac_id),
            el("offer_seller_id", offer.sku),
            el("price", offer.price),
            el("instead_of_price", offer.instead_of_price),
            el("fee_excluding_taxes", offer.fee_excluding_taxes),
            el("fee_including_all_taxes", offer.fee_including_all_taxes),
            el("promotion_code_id", offer.promotion_code_id),
            el("adherent_price", offer.adherent_price),
            el("product_state", offer.product_state),
            el("quantity", offer.quantity),
            el("description", offer.description or ""),
            el("internal_comment", offer.internal_comment or ""),
            el("product_url", f"https://www.fnac.com/a{offer.product_fnac_id}"),
            el("showcase", offer.showcase),
            el("time_to_ship", offer.time_to_ship),
            "</offer>",
        )
    )


def batch_offer_el(result):
    errors = "".join(error_el(code, message) for code, message in result["errors"])
    return (
        f'<offer status="{result["status"]}">'
        f"{el('product_fnac_id', result['product_fnac_id'])}"
        f"{el('offer_fnac_id', result['offer_fnac_id'])}"
        f"{el('offer_seller_id', result['sku'])}{errors}</offer>"
    )


# -- pricing -------------------------------------------------------------------
def product_reference_el(kind, value):
    return (
        f"<product_reference type={quoteattr(kind)}>{escape(value)}</product_reference>"
    )


def pricing_error_el(kind, value, code, message):
    return (
        f"<pricing_product>{product_reference_el(kind, value)}<product_name/>"
        f"{error_el(code, message)}</pricing_product>"
    )


def _money_or_empty(row, key):
    return "" if row is None else row[key]


def pricing_row_el(row):
    return "".join(
        (
            f'<pricing type="{row["type"]}">',
            el("evaluation", row.get("evaluation")),
            el("nb_orders", row.get("nb_orders")),
            el("seller", row.get("seller")),
            el("seller_url", row.get("seller_url")),
            el("price", row["price"]),
            el("shipping_price", row["shipping"]),
            el("offer_status", row["state"]),
            "</pricing>",
        )
    )


def pricing_product_el(kind, value, found):
    product, own, best = found["product"], found["own"], found["best"]
    own_fields = ""
    if own is not None:
        own_fields = (
            f"{el('seller_price', own.price)}{el('seller_shipping', '0.00')}"
            f"{el('seller_offer_sku', own.sku)}"
            f"{el('seller_offer_state', int(own.product_state))}"
        )
    bests = "".join(
        el(f"{group}_price", _money_or_empty(best.get(group), "price"))
        + el(f"{group}_shipping", _money_or_empty(best.get(group), "shipping"))
        for group in ("new", "refurbished", "used")
    )
    return "".join(
        (
            "<pricing_product>",
            product_reference_el(kind, value),
            el("ean", product["ean"]),
            el("product_url", f"https://www.fnac.com/a{3_100_000 + found['index']}"),
            el("product_name", product["name"]),
            el(
                "image_url",
                f"https://static.fnac-static.com/multimedia/{product['ean']}.jpg",
            ),
            own_fields,
            bests,
            *(pricing_row_el(row) for row in found["rows"]),
            "</pricing_product>",
        )
    )


# -- messages and incidents ----------------------------------------------------
def message_el(message):
    sender = ""
    if message.from_type != "SYSTEM":  # message_from's type knows no SYSTEM
        sender = (
            f'<message_from type="{message.from_type}">'
            f"{escape(message.from_name)}</message_from>"
        )
    archived = "TRUE" if message.archived else "FALSE"
    return "".join(
        (
            f'<message state="{message.state}" archived="{archived}">',
            el("message_id", message.message_id),
            f'<message_referer type="ORDER">{escape(message.order_id)}'
            "</message_referer>",
            sender,
            el("message_offer_title", message.offer_title),
            el("message_subject", message.subject),
            el("message_description", message.description),
            date_el("created_at", message.created),
            date_el("updated_at", message.updated),
            el("answer", message.answer),
            date_el("answer_at", message.answer_at),
            "</message>",
        )
    )


def message_result_el(message_id, errors):
    status = "ERROR" if errors else "OK"
    inner = "".join(error_el(code, text) for code, text in errors)
    attributes = f"status={quoteattr(status)} id={quoteattr(message_id)}"
    return f"<message {attributes}>{inner}</message>"


def incident_el(incident):
    refunds = ""
    if incident.refund:
        refund = incident.refund
        refunds = (
            f"<refunds><refund>{el('product_amount', refund['product_amount'])}"
            f"{el('shipping_amount', refund['shipping_amount'])}"
            f"{el('fee_ht_amount', refund['fee_ht_amount'])}"
            f"{date_el('created_at', refund['created_at'])}</refund></refunds>"
        )
    header = "".join(
        (
            "<header>",
            el("status", incident.status),
            el("waiting_for_seller_answer", "TRUE" if incident.waiting else "FALSE"),
            el("message", incident.message),
            el("opened_by", incident.opened_by),
            el("closed_by", incident.closed_by),
            el("closed_status", incident.closed_status),
            date_el("created_at", incident.created),
            date_el("updated_at", incident.updated),
            date_el("closed_at", incident.closed_at),
            el("order_id", incident.order_id),
            "</header>",
        )
    )
    detail = (
        f"<order_details_incident><order_detail_incident>"
        f"{el('order_detail_id', incident.line_id)}{el('type', incident.type)}"
        f"{el('status', incident.status)}{date_el('created_at', incident.created)}"
        f"{date_el('updated_at', incident.updated)}{refunds}"
        f"</order_detail_incident></order_details_incident>"
    )
    return f'<incident id="{incident.incident_id}">{header}{detail}</incident>'
