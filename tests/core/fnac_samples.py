"""Hand-written Fnac Darty answers for the mapper tests, real-shaped.

Written from the official XSDs (OrdersQueryService, MessagesQueryService,
IncidentsQueryService, OffersQueryService: element order, required elements,
enumerations) and the example of marketplace_apis.md section 5.9. Each
sample is built as XML (``*_element``: lxml elements in the XSD's order, so
that the contract test validates them against the official XSDs) and read
the way the client stores it: ``mphub.fnac.payload.element_to_json``.

``order(**changes)`` gives the JSON of one order; ``changes`` replace the
order's fields (None removes one), ``lines=[line(...), ...]`` its details,
``shipping=address(...)`` / ``billing=...`` its addresses.
"""

import copy

import requests
from lxml import etree
from mphub.fnac.payload import (
    BATCH_LISTS,
    INCIDENT_LISTS,
    MESSAGE_LISTS,
    NS,
    OFFER_LISTS,
    ORDERS_UPDATE_LISTS,
    PRICING_LISTS,
    element_to_json,
)

SHOP_ID = "7c0e1d2f-0000-4000-8000-0000000f0a01"
CLIENT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
ORDER_ID = "67C2A1B3D4E5F"
OFFER_ID = "d3b07384-d9a0-4c9b-8f3e-1d2c3b4a5f60"


def build(tag, fields, attrs=None):
    """An element ``tag`` of the Fnac namespace with ``attrs`` and
    ``fields``: (name, value) pairs in order; a value is a text, a list of
    pairs (a child element) or an ``(attrs, text or pairs)`` tuple; None
    leaves the field out."""
    element = etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS})
    for name, value in (attrs or {}).items():
        element.set(name, value)
    for name, value in fields:
        if value is None:
            continue
        child_attrs = {}
        if isinstance(value, tuple):
            child_attrs, value = value
        if isinstance(value, list):
            element.append(build(name, value, child_attrs))
            continue
        child = etree.SubElement(element, f"{{{NS}}}{name}")
        for key, attr in child_attrs.items():
            child.set(key, attr)
        child.text = value
    return element


def _merge(base, changes):
    """``base`` pairs with ``changes`` applied (a new name is appended)."""
    fields = dict(base)
    fields.update(changes)
    return list(fields.items())


# the emulator's create_orders options of "the whole variety": every kind,
# state, relay points, companies, refused lines and buyer messages
VARIETY = {
    "unknown_sku_share": 0.1,
    "malformed_share": 0.1,
    "refused_line_share": 0.2,
    "message_share": 0.1,
    "relay_share": 0.2,
    "company_share": 0.1,
    "multi_line_share": 0.5,
    "state": "mixed",
}


# -- orders -------------------------------------------------------------------
def address(**changes):
    """Address fields (state.xsd ``address``); Jeanne Martin in Lyon."""
    base = [
        ("firstname", "Jeanne"),
        ("lastname", "Martin"),
        ("company", None),
        ("address1", "12 rue des Lilas"),
        ("address2", None),
        ("address3", None),
        ("zipcode", "69003"),
        ("city", "LYON"),
        ("state", None),
        ("country", "FRA"),
        ("phone", None),
        ("mobile", "0600000000"),
        ("fnac_shop_ref", None),
        ("nif", None),
    ]
    return _merge(base, changes)


def line(**changes):
    """Order detail fields: 2 x 19.90 mugs, 5.00 shipping, fees 5.37."""
    base = [
        ("order_detail_id", "1"),
        ("state", "ToAccept"),
        ("product_fnac_id", "1234567"),
        ("product_name", "Mug design 1"),
        ("offer_fnac_id", OFFER_ID),
        ("offer_seller_id", "MPH-0001"),
        ("price", "19.90"),
        ("fees", "5.37"),
        ("product_state", "11"),
        ("quantity", "2"),
        ("created_at", "2025-03-01T10:15:02+01:00"),
        ("shipping_price", "5.00"),
        ("shipping_method", "21"),
    ]
    return _merge(base, changes)


def order_fields(lines=None, shipping=None, billing=None, **changes):
    """The fields of an order, in the XSD's sequence; ``lines`` defaults to
    one ``line()``."""
    base = [
        ("shop_id", SHOP_ID),
        ("client_id", CLIENT_ID),
        ("client_firstname", "Jeanne"),
        ("client_lastname", "Martin"),
        ("client_email", "relay-abc@marketplace.fnac.com"),
        ("adherent_number", None),
        ("order_id", ORDER_ID),
        ("client_culture", "fr-FR"),
        ("state", "Created"),
        ("created_at", "2025-03-01T10:15:00+01:00"),
        ("fees", "5.37"),
        ("invoice_number_reference", None),
        ("vat_rate", "20"),
        ("nb_messages", "0"),
        ("delivery_note", None),
        ("shipping_address", address() if shipping is None else shipping),
        ("billing_address", address() if billing is None else billing),
    ]
    fields = _merge(base, changes)
    details = [line()] if lines is None else lines
    return fields + [("order_detail", detail) for detail in details]


def order_element(**kwargs):
    return build("order", order_fields(**kwargs))


def order(**kwargs):
    """The raw JSON of one order, as the client stores it."""
    return element_to_json(order_element(**kwargs))


def page_response(service, records, counts=()):
    """A paged ``<service>_response`` (OK, one page) of ``records``
    (elements), after ``counts`` (leading count fields, e.g. messages')."""
    fields = [*counts, ("page", "1"), ("total_paging", "1")]
    if service != "messages_query":  # its answer has no nb_total_per_page
        fields.append(("nb_total_per_page", "100"))
    fields.append(("nb_total_result", str(len(records))))
    root = build(f"{service}_response", fields, {"status": "OK"})
    root.extend(copy.deepcopy(record) for record in records)
    return root


def orders_response(orders):
    """An ``orders_query_response`` of ``orders`` (``order_element``s)."""
    return page_response("orders_query", orders)


# the ready-made orders of the tests
def created():
    return order()


def partly_refused():
    """Accepted, one of its three lines refused by the seller."""
    return order(
        state="Accepted",
        fees="7.00",
        lines=[
            line(state="Accepted", debited_at="2025-03-01T12:00:00+01:00"),
            line(
                order_detail_id="2",
                state="Refused",
                offer_seller_id="MPH-0002",
                price="98.80",
                quantity="1",
                shipping_price="6.90",
                refused_at="2025-03-01T11:00:00+01:00",
            ),
            line(
                order_detail_id="3",
                state="Accepted",
                offer_seller_id="MPH-0003",
                price="0.91",
                quantity="10",
                fees="1.63",
                shipping_price="0",
            ),
        ],
    )


def relay():
    """Delivered to a relay point: method 55, the relay's address."""
    shipping = address(
        company="Relais Tabac du Centre",
        address1="3 place de la Mairie",
        address3="024581",
        zipcode="69100",
        city="VILLEURBANNE",
    )
    return order(
        shipping=shipping,
        lines=[line(shipping_method="55", shipping_price="3.90")],
    )


def company():
    """A company buyer with its tax number, billed at its office."""
    billing = address(
        company="Atelier Martin SARL",
        address1="",
        address2="ZI des Forges",
        address3="Bâtiment B",
        zipcode="38000",
        city="GRENOBLE",
        country="France",
        phone="0476000000",
        nif="FR40123456824",
    )
    return order(billing=billing, client_culture="fr-FR")


def incident():
    """An opened incident on the order: the article did not arrive."""
    return element_to_json(incident_element(), INCIDENT_LISTS)


def incident_element(**header):
    fields = _merge(
        [
            ("status", "OPENED"),
            ("waiting_for_seller_answer", "TRUE"),
            ("message", "Je n'ai pas reçu mon colis."),
            ("opened_by", "client"),
            ("created_at", "2025-03-08T09:00:00+01:00"),
            ("updated_at", "2025-03-08T09:00:00+01:00"),
            ("order_id", ORDER_ID),
        ],
        header,
    )
    detail = [
        ("order_detail_id", "1"),
        ("type", "1"),
        ("status", "OPENED"),
        ("created_at", "2025-03-08T09:00:00+01:00"),
        ("updated_at", "2025-03-08T09:00:00+01:00"),
    ]
    return build(
        "incident",
        [
            ("header", fields),
            ("order_details_incident", [("order_detail_incident", detail)]),
        ],
        {"id": "9b2f1e0a-4c3d-4e5f-8a7b-6c5d4e3f2a1b"},
    )


def incidents_response(incidents):
    return page_response("incidents_query", incidents)


# -- messages ---------------------------------------------------------------------
def message_element(author="CLIENT", state="UNREAD", archived="FALSE", **changes):
    """A message on the order, from ``author`` (None: no message_from)."""
    fields = _merge(
        [
            ("message_id", "5f0c2e3b-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
            ("message_referer", ({"type": "ORDER"}, ORDER_ID)),
            ("message_from", ({"type": author}, "Jeanne M.") if author else None),
            ("message_subject", "Question sur ma commande"),
            ("message_description", "Bonjour,<br/>quand partira mon colis ?"),
            ("created_at", "2025-03-02T08:30:00+01:00"),
            ("updated_at", "2025-03-02T08:30:00+01:00"),
        ],
        changes,
    )
    return build("message", fields, {"state": state, "archived": archived})


def message(**kwargs):
    return element_to_json(message_element(**kwargs), MESSAGE_LISTS)


def messages_response(messages):
    counts = [("messages_unread_result", "1"), ("messages_read_result", "0")]
    return page_response("messages_query", messages, counts)


# -- offers -----------------------------------------------------------------------
def offer_element(**changes):
    """An offers_query offer (xs:all: any order, the XSD's used here)."""
    fields = _merge(
        [
            ("product_name", "Mug design 1"),
            ("product_fnac_id", "1234567"),
            ("offer_fnac_id", OFFER_ID),
            ("offer_seller_id", "MPH-0001"),
            ("price", "19.90"),
            ("fee_excluding_taxes", "2.49"),
            ("fee_including_all_taxes", "2.99"),
            ("product_state", "11"),
            ("quantity", "12"),
            ("description", "Neuf, expédié sous 48h"),
            ("internal_comment", ""),
            ("showcase", ""),
        ],
        changes,
    )
    return build("offer", fields)


def offer(**changes):
    return element_to_json(offer_element(**changes), OFFER_LISTS)


def offers_response(offers):
    return page_response("offers_query", offers)


# -- raw answers of the emulator ------------------------------------------------
class RawShop:
    """A shop of the emulator spoken to in raw XML over HTTP (no client):
    ``post(service, fields, **attrs)`` builds the request (``_build``
    pairs), authenticates first, and returns the parsed answer root;
    ``check(service, element)``, when given, sees every request and answer
    (the contract test validates them)."""

    def __init__(self, url, partner_id, shop_id, key, check=None):
        self.url = f"{url}/api.php"
        self.partner_id, self.shop_id, self.key = partner_id, shop_id, key
        self.check = check or (lambda service, element: None)
        self.session = requests.Session()
        self.token = None

    def send(self, service, root, check_request=True):
        """POST ``root`` to ``service``; the answer's root element."""
        if check_request:
            self.check(service, root)
        response = self.session.post(
            f"{self.url}/{service}",
            data=etree.tostring(root, xml_declaration=True, encoding="utf-8"),
            headers={"Content-Type": "text/xml"},
            timeout=30,
        )
        response.raise_for_status()
        answer = etree.fromstring(response.content)
        self.check(service, answer)
        return answer

    def authenticate(self):
        fields = [
            ("partner_id", self.partner_id),
            ("shop_id", self.shop_id),
            ("key", self.key),
        ]
        answer = self.send("auth", build("auth", fields))
        self.token = answer.findtext(f"{{{NS}}}token")
        return answer

    def header(self):
        """The root attributes of a request (authenticating first)."""
        if self.token is None:
            self.authenticate()
        return {
            "partner_id": self.partner_id,
            "shop_id": self.shop_id,
            "token": self.token,
        }

    def post(self, service, fields=(), **attrs):
        root = build(service, list(fields), {**self.header(), **attrs})
        return self.send(service, root)

    def orders(self, **attrs):
        """Every order of the shop (orders_query pages of ``results_count``),
        as the client stores them: ``element_to_json``."""
        found, page = [], 1
        while True:
            answer = self.post("orders_query", [("paging", str(page))], **attrs)
            found += [element_to_json(o) for o in answer.iterfind(f"{{{NS}}}order")]
            if page >= int(answer.findtext(f"{{{NS}}}total_paging") or 0):
                return found
            page += 1


# -- answers as documents (JSON of the whole answer, for the readers' fuzzing) ----
def _error(code, text):
    return ("error", ({"severity": "ERROR", "code": code}, text))


def orders_update_answer(as_element=False):
    """An orders_update_response: one order accepted, one refused for its
    state (per-order error)."""
    accepted = [
        ("status", "OK"),
        ("order_id", ORDER_ID),
        ("state", "Accepted"),
        (
            "order_detail",
            [("order_detail_id", "1"), ("status", "OK"), ("state", "Accepted")],
        ),
    ]
    refused = [
        ("status", "ERROR"),
        ("order_id", "67C2A1B3D4E60"),
        ("state", "Shipped"),
        _error("ERR_111", "order is Shipped, not Created"),
    ]
    root = build(
        "orders_update_response",
        [("order", accepted), ("order", refused)],
        {"status": "WARNING"},
    )
    return root if as_element else element_to_json(root, ORDERS_UPDATE_LISTS)


def batch_answer(as_element=False):
    """A finished batch_status_response: one offer in error."""
    offers = [
        ("offer", ({"status": "OK"}, [("offer_seller_id", "MPH-0001")])),
        (
            "offer",
            (
                {"status": "ERROR"},
                [
                    ("offer_seller_id", "MPH-0002"),
                    _error("ERR_130", "price out of range (0.90 < price <= 20000)"),
                ],
            ),
        ),
    ]
    root = build(
        "batch_status_response",
        [("batch_id", "9e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b"), *offers],
        {"status": "WARNING"},
    )
    return root if as_element else element_to_json(root, BATCH_LISTS)


def pricing_product(as_element=False):
    """A pricing_product with the own offer and two competitors."""
    rows = [  # in the XSD's sequence
        [
            ("evaluation", "4.6"),
            ("nb_orders", "1520"),
            ("seller", "Boutique A"),
            ("price", "18.50"),
            ("shipping_price", "0.00"),
            ("offer_status", "11"),
        ],
        [
            ("seller", "Jean D."),
            ("price", "12.00"),
            ("shipping_price", "4.99"),
            ("offer_status", "2"),
        ],
    ]
    fields = [
        ("product_reference", ({"type": "Ean"}, "3760000000000")),
        ("product_name", "Mug design 1"),
        ("seller_price", "19.90"),
        ("seller_shipping", "0"),
        ("seller_offer_sku", "MPH-0001"),
        ("seller_offer_state", "11"),
        ("new_price", "18.50"),
        ("used_price", ""),
    ]
    fields += [
        ("pricing", (kinds, row))
        for kinds, row in zip(
            ({"type": "professional"}, {"type": "not professional"}), rows, strict=True
        )
    ]
    element = build("pricing_product", fields)
    return element if as_element else element_to_json(element, PRICING_LISTS)
