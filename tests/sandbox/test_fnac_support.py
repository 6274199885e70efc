"""Raw HTTP access to the Fnac Darty emulator for the sandbox tests: one
shop's calls, every answer checked against its service's official XSD (when
../shared/contracts/fnac is there), and the checks of the helper itself."""

import re
from xml.sax.saxutils import quoteattr

import pytest
import requests
from lxml import etree
from mphub.sandbox.fnac_data import DEFAULT_SHOPS, NS, PARTNER_ID
from mphub.sandbox.fnac_validation import Schemas

from tests.conftest import FNAC_XSD_DIR

FNAC, DARTY = (spec[0] for spec in DEFAULT_SHOPS)
KEYS = {spec[0]: spec[2] for spec in DEFAULT_SHOPS}
SCHEMAS = Schemas(FNAC_XSD_DIR) if FNAC_XSD_DIR else None
needs_xsd = pytest.mark.skipif(
    FNAC_XSD_DIR is None,
    reason="the official XSDs (../shared/contracts/fnac) are absent",
)


def q(name):
    """The Fnac-namespaced tag of ``name`` (for lxml's find)."""
    return f"{{{NS}}}{name}"


class FnacShop:
    """One shop of the emulator over HTTP (a token once ``auth()``)."""

    def __init__(self, url, shop_id=FNAC, key=None):
        self.url = url
        self.shop_id = shop_id
        self.key = key or KEYS[shop_id]
        self.token = None
        self.session = requests.Session()

    def post(self, service, body, validate=True):
        """(HTTP status, lxml root) of a raw body; the answer is checked
        against the service's XSD (unless ``validate`` is False)."""
        response = self.session.post(
            f"{self.url}/api.php/{service}",
            data=body.encode() if isinstance(body, str) else body,
            headers={"Content-Type": "text/xml"},
            timeout=10,
        )
        if validate and response.status_code == 200 and SCHEMAS is not None:
            problem = SCHEMAS.validate(service, response.content)
            assert problem is None, (
                f"{service} answer not valid: {problem}\n{response.text[:2000]}"
            )
        root = (
            etree.fromstring(response.content) if response.status_code == 200 else None
        )
        return response.status_code, root

    def auth(self):
        body = (
            f'<auth xmlns="{NS}"><partner_id>{PARTNER_ID}</partner_id>'
            f"<shop_id>{self.shop_id}</shop_id><key>{self.key}</key></auth>"
        )
        status, root = self.post("auth", body)
        assert status == 200 and root.get("status") == "OK", etree.tostring(root)
        self.token = root.findtext(q("token"))
        return root

    def request(self, service, inner="", token=None, **attributes):
        """The request body of ``service`` with the shop's header."""
        header = {
            "partner_id": PARTNER_ID,
            "shop_id": self.shop_id,
            "token": token or self.token,
            **attributes,
        }
        text = "".join(
            f" {k}={quoteattr(str(v))}" for k, v in header.items() if v is not None
        )
        return f'<{service} xmlns="{NS}"{text}>{inner}</{service}>'

    def call(self, service, inner="", **attributes):
        """The answer's root of a service call (status 200 asserted)."""
        if self.token is None and "token" not in attributes:
            self.auth()
        status, root = self.post(service, self.request(service, inner, **attributes))
        assert status == 200
        return root

    def orders(self, inner="", **attributes):
        return self.call("orders_query", inner, **attributes).findall(q("order"))

    def order(self, order_id):
        (order,) = self.orders(f"<order_fnac_id>{order_id}</order_fnac_id>")
        return order


def errors(root):
    """(code, text) of the root's error elements."""
    return [(e.get("code"), e.text) for e in root.findall(q("error"))]


def order_update(order_id, action, *details):
    """An orders_update ``order``: details are (line id, action, extra XML)."""
    inner = "".join(
        f"<order_detail><order_detail_id>{line}</order_detail_id><action>{what}</action>"
        f"{extra}</order_detail>"
        for line, what, extra in details
    )
    return f'<order order_id="{order_id}" action="{action}">{inner}</order>'


def line_ids(fnac, shop_id, order_id):
    return [line["line_id"] for line in fnac.order_record(shop_id, order_id)["lines"]]


def test_the_helper_authenticates_and_reads_a_token(fnac_url):
    shop = FnacShop(fnac_url)
    root = shop.auth()
    assert re.fullmatch(r"[0-9a-f-]{36}", shop.token)
    assert root.findtext(q("version")) == "2.6.0"
    assert re.search(r"[+-]\d\d:\d\d$", root.findtext(q("validity")))
