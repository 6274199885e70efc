"""One walk over every route of b2b_portal, as the wrong user.

``ROUTES`` maps each route (the URL rule exactly as declared in ``@route``,
e.g. ``"/my/orders/<int:order_id>/b2b_reorder"``) to the calls made on it. The
routes b2b_portal declares or overrides (read from the routing map) and the
stock routes listed in ``STOCK_ROUTES`` must all be in the table:
``test_table_covers_every_route`` fails on a missing (or stale) entry, so a
new route gets its entry here. Add yours in a block marked with your tag::

    # --- H99 ---
    ROUTES["/my/b2b/thing/<int:order_id>"] = [
        call("buyer_a", "POST", "/my/b2b/thing/{order_b}", 404),
        call("viewer_a", "POST", "/my/b2b/thing/{order_a}", 403),
        call("public", "POST", "/my/b2b/thing/{order_a}", "login"),
    ]
    # --- end H99 ---

``call(user, method, url, expect, data=None, files=None, contains=())``:

- ``user``: ``public``, ``buyer_a`` (a buyer of company A), ``approver_a``,
  ``viewer_a`` (may read, never order) or ``rep_a`` (an internal sales rep
  managing company A, not B);
- ``method``: ``GET``; ``POST`` (a form, the CSRF token added; ``files`` makes
  it multipart); ``JSON`` (JSON-RPC, ``data`` being the params);
- ``url`` and the strings of ``data`` are ``str.format`` templates over the
  fixture values of ``TestAccessRoutes.values`` (``{order_b}``,
  ``{invoice_b}``, ``{picking_b}``, ``{company_b}``, ...);
- ``expect``: an HTTP status (``200``, ``403``, ``404``...); ``"login"`` (a
  redirect to the login page); ``"redirect:/my"`` (a redirect to that path,
  whatever the query string); ``"json"`` (a JSON-RPC result);
  ``"json_error:<exception>"`` (a JSON-RPC error of that type, e.g.
  ``odoo.exceptions.AccessError``);
- ``contains``: texts the body must hold (templates too), to show the call
  did reach the page (A's own price, A's own order...).

After every call the body must hold none of company B's secrets (names,
address, order, invoice and delivery references, negotiated price), B's
documents must be unchanged, and the viewer and the public user must have no
cart line. The website is *B2B catalogue only* during the walk.

``test_models_over_jsonrpc`` reads B's records of every model b2b_portal
defines or restricts (plus the ones with a portal ACL in b2b_portal) through
``/web/dataset/call_kw`` as a user of A: nothing comes back. A new model
needs B's records to exist: create them in ``setUpClass`` (marked block) or
name them in ``_records_b``.
"""

import json
from urllib.parse import urlsplit

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers import throttle
from .test_accounts import make_b2b_company, make_b2b_user

MODULE = "odoo.addons.b2b_portal"


def call(user, method, url, expect, data=None, files=None, contains=()):
    """One call of the walk (see the module docstring)."""
    return {
        "user": user,
        "method": method,
        "url": url,
        "expect": expect,
        "data": data or {},
        "files": files,
        "contains": list(contains),
    }


#: Stock routes the b2b documents rely on (B's documents reached by id).
STOCK_ROUTES = [
    "/my/orders",
    "/my/orders/<int:order_id>",
    "/my/orders/<int:order_id>/accept",
    "/my/orders/<int:order_id>/decline",
    "/my/invoices",
    "/my/invoices/<int:invoice_id>",
    "/my/picking/pdf/<int:picking_id>",
]

ROUTES = {
    # -- shop (website_sale routes overridden by b2b_portal) ----------------
    "/shop": [
        call(
            "buyer_a",
            "GET",
            "/shop?search=Routes+Widget",
            200,
            contains=["Routes Widget", "702.25"],
        ),
        call("viewer_a", "GET", "/shop", 200),
        call("public", "GET", "/shop", 403),
    ],
    "/shop/page/<int:page>": [
        call("buyer_a", "GET", "/shop/page/2", 200),
        call("public", "GET", "/shop/page/2", 403),
    ],
    '/shop/category/<model("product.public.category"):category>': [
        call("buyer_a", "GET", "/shop/category/{category_slug}", 200),
        call("public", "GET", "/shop/category/{category_slug}", 403),
    ],
    '/shop/category/<model("product.public.category"):category>/page/<int:page>': [
        call("buyer_a", "GET", "/shop/category/{category_slug}/page/2", 200),
        call("public", "GET", "/shop/category/{category_slug}/page/2", 403),
    ],
    '/shop/<model("product.template"):product>': [
        call("buyer_a", "GET", "{product_url}", 200, contains=["702.25"]),
        call("viewer_a", "GET", "{product_url}", 200),
        call("public", "GET", "{product_url}", 403),
    ],
    "/website_sale/get_combination_info": [
        call(
            "buyer_a",
            "JSON",
            "/website_sale/get_combination_info",
            "json",
            {
                "product_template_id": "{product_tmpl}",
                "product_id": "{product}",
                "combination": [],
                "add_qty": 1,
            },
            contains=["702.25"],
        ),
        call(
            "public",
            "JSON",
            "/website_sale/get_combination_info",
            "json_error:odoo.exceptions.AccessError",
            {
                "product_template_id": "{product_tmpl}",
                "product_id": "{product}",
                "combination": [],
                "add_qty": 1,
            },
        ),
    ],
    "/shop/cart": [
        call("buyer_a", "GET", "/shop/cart", 200),
        call("viewer_a", "GET", "/shop/cart", 200),
        call("public", "GET", "/shop/cart", 403),
    ],
    "/shop/cart/update": [
        call(
            "viewer_a",
            "POST",
            "/shop/cart/update",
            "redirect:/shop/cart",
            {"product_id": "{product}", "add_qty": "1"},
        ),
        call(
            "public",
            "POST",
            "/shop/cart/update",
            403,
            {"product_id": "{product}", "add_qty": "1"},
        ),
    ],
    "/shop/cart/update_json": [
        call(
            "buyer_a",
            "JSON",
            "/shop/cart/update_json",
            "json",
            {"product_id": "{product}", "add_qty": 1},
        ),
        call(
            "viewer_a",
            "JSON",
            "/shop/cart/update_json",
            "json",
            {"product_id": "{product}", "add_qty": 1},
            contains=["Your role does not allow you to order."],
        ),
        call(
            "public",
            "JSON",
            "/shop/cart/update_json",
            "json_error:odoo.exceptions.AccessError",
            {"product_id": "{product}", "add_qty": 1},
        ),
    ],
    "/shop/checkout": [
        call("viewer_a", "GET", "/shop/checkout", "redirect:/shop"),
        call("public", "GET", "/shop/checkout", "redirect:/shop"),
    ],
    "/shop/payment": [
        call("viewer_a", "GET", "/shop/payment", "redirect:/shop"),
        call("public", "GET", "/shop/payment", "redirect:/shop"),
    ],
    "/shop/confirmation": [
        call("buyer_a", "GET", "/shop/confirmation", "redirect:/shop"),
        call("public", "GET", "/shop/confirmation", "redirect:/shop"),
    ],
    # -- quotes, approvals, reorder (controllers/orders.py) -----------------
    "/shop/cart/b2b_request_quote": [
        call("buyer_a", "POST", "/shop/cart/b2b_request_quote", "redirect:/shop/cart"),
        call("viewer_a", "POST", "/shop/cart/b2b_request_quote", 403),
        call("public", "POST", "/shop/cart/b2b_request_quote", "login"),
    ],
    "/my/b2b/approvals": [
        call("approver_a", "GET", "/my/b2b/approvals", 200, contains=["SO-RA-3302"]),
        call("buyer_a", "GET", "/my/b2b/approvals", "redirect:/my"),
        call("public", "GET", "/my/b2b/approvals", "login"),
    ],
    "/my/b2b/approvals/page/<int:page>": [
        call("approver_a", "GET", "/my/b2b/approvals/page/2", 200),
        call("public", "GET", "/my/b2b/approvals/page/2", "login"),
    ],
    "/my/b2b/approvals/<int:order_id>/<string:decision>": [
        call("approver_a", "POST", "/my/b2b/approvals/{order_b_wait}/approve", 404),
        call("approver_a", "POST", "/my/b2b/approvals/{order_b_wait}/refuse", 404),
        call("buyer_a", "POST", "/my/b2b/approvals/{order_a_wait}/approve", 403),
        call("viewer_a", "POST", "/my/b2b/approvals/{order_a_wait}/approve", 403),
        call("public", "POST", "/my/b2b/approvals/{order_b_wait}/approve", "login"),
    ],
    "/my/orders/<int:order_id>/b2b_reorder": [
        call("buyer_a", "POST", "/my/orders/{order_b}/b2b_reorder", 404),
        call("viewer_a", "POST", "/my/orders/{order_a}/b2b_reorder", 403),
        call("public", "POST", "/my/orders/{order_b}/b2b_reorder", "login"),
    ],
    # -- accounts and sales reps (controllers/portal.py) --------------------
    "/my/b2b/company": [
        call(
            "buyer_a", "GET", "/my/b2b/company", 200, contains=["Routes Alpha Company"]
        ),
        call("viewer_a", "GET", "/my/b2b/company", 200),
        call("public", "GET", "/my/b2b/company", "login"),
    ],
    "/b2b/signup": [
        call("public", "GET", "/b2b/signup", 200),
        call("buyer_a", "GET", "/b2b/signup", 200),
    ],
    "/b2b/signup/thanks": [
        call("public", "GET", "/b2b/signup/thanks", 200),
    ],
    "/my/b2b/accounts": [
        call(
            "rep_a", "GET", "/my/b2b/accounts", 200, contains=["Routes Alpha Company"]
        ),
        call("buyer_a", "GET", "/my/b2b/accounts", 403),
        call("public", "GET", "/my/b2b/accounts", "login"),
    ],
    "/my/b2b/accounts/<int:partner_id>/act": [
        call("rep_a", "POST", "/my/b2b/accounts/{company_b}/act", 403),
        call("rep_a", "POST", "/my/b2b/accounts/{partner_b}/act", 403),
        call("buyer_a", "POST", "/my/b2b/accounts/{company_a}/act", 403),
        call("public", "POST", "/my/b2b/accounts/{company_b}/act", "login"),
    ],
    "/my/b2b/act/stop": [
        call("rep_a", "POST", "/my/b2b/act/stop", "redirect:/my/b2b/accounts"),
        call("public", "POST", "/my/b2b/act/stop", "login"),
    ],
    # -- quick order (controllers/quick_order.py) ---------------------------
    "/my/quick-order": [
        call("buyer_a", "GET", "/my/quick-order", 200),
        call("viewer_a", "GET", "/my/quick-order", 403),
        call("public", "GET", "/my/quick-order", "login"),
    ],
    "/b2b/quick-order/lookup": [
        call("buyer_a", "JSON", "/b2b/quick-order/lookup", "json", {"term": "RTW"}),
        call(
            "viewer_a",
            "JSON",
            "/b2b/quick-order/lookup",
            "json_error:odoo.exceptions.AccessError",
            {"term": "RTW"},
        ),
        call(
            "public",
            "JSON",
            "/b2b/quick-order/lookup",
            "json_error:odoo.http.SessionExpiredException",
            {"term": "RTW"},
        ),
    ],
    "/b2b/quick-order/preview": [
        call(
            "buyer_a",
            "JSON",
            "/b2b/quick-order/preview",
            "json",
            {"text": "{product_ref};3"},
            contains=["Routes Widget", "702.25"],
        ),
        call(
            "viewer_a",
            "JSON",
            "/b2b/quick-order/preview",
            "json_error:odoo.exceptions.AccessError",
            {"text": "{product_ref};3"},
        ),
        call(
            "public",
            "JSON",
            "/b2b/quick-order/preview",
            "json_error:odoo.http.SessionExpiredException",
            {"text": "{product_ref};3"},
        ),
    ],
    "/b2b/quick-order/upload": [
        call(
            "buyer_a",
            "POST",
            "/b2b/quick-order/upload",
            200,
            files={"file": ("order.csv", "{product_ref};3\n", "text/csv")},
        ),
        call(
            "viewer_a",
            "POST",
            "/b2b/quick-order/upload",
            403,
            files={"file": ("order.csv", "{product_ref};3\n", "text/csv")},
        ),
        call(
            "public",
            "POST",
            "/b2b/quick-order/upload",
            "login",
            files={"file": ("order.csv", "{product_ref};3\n", "text/csv")},
        ),
    ],
    "/b2b/quick-order/add": [
        call(
            "buyer_a",
            "JSON",
            "/b2b/quick-order/add",
            "json",
            {"rows": [{"number": 1, "reference": "{product_ref}", "quantity": 2}]},
            contains=['"line_id": '],
        ),
        call(
            "viewer_a",
            "JSON",
            "/b2b/quick-order/add",
            "json_error:odoo.exceptions.AccessError",
            {"rows": [{"number": 1, "reference": "{product_ref}", "quantity": 2}]},
        ),
        call(
            "public",
            "JSON",
            "/b2b/quick-order/add",
            "json_error:odoo.http.SessionExpiredException",
            {"rows": [{"number": 1, "reference": "{product_ref}", "quantity": 2}]},
        ),
    ],
    # -- stock portal routes on B's documents --------------------------------
    "/my/orders": [
        call("buyer_a", "GET", "/my/orders", 200, contains=["SO-RA-3301"]),
        call("public", "GET", "/my/orders", "login"),
    ],
    "/my/orders/<int:order_id>": [
        call("buyer_a", "GET", "/my/orders/{order_b}", "redirect:/my"),
        call("viewer_a", "GET", "/my/orders/{order_b_wait}", "redirect:/my"),
        call("public", "GET", "/my/orders/{order_b}", "redirect:/my"),
    ],
    "/my/orders/<int:order_id>/accept": [
        call(
            "buyer_a",
            "JSON",
            "/my/orders/{order_b_wait}/accept",
            "json",
            {"name": "Intruder", "signature": "x"},
        ),
    ],
    "/my/orders/<int:order_id>/decline": [
        call("buyer_a", "POST", "/my/orders/{order_b_wait}/decline", "redirect:/my"),
        call("public", "POST", "/my/orders/{order_b_wait}/decline", "redirect:/my"),
    ],
    "/my/invoices": [
        call("buyer_a", "GET", "/my/invoices", 200),
        call("public", "GET", "/my/invoices", "login"),
    ],
    "/my/invoices/<int:invoice_id>": [
        call("buyer_a", "GET", "/my/invoices/{invoice_b}", "redirect:/my"),
        call("public", "GET", "/my/invoices/{invoice_b}", "redirect:/my"),
    ],
    "/my/picking/pdf/<int:picking_id>": [
        call("buyer_a", "GET", "/my/picking/pdf/{picking_b}", 404),
        call("public", "GET", "/my/picking/pdf/{picking_b}", 404),
    ],
}

# --- H16A ---
# Change and cancellation requests (controllers/order_requests.py): only on
# the user's company's orders (404 otherwise, even for B's request through
# A's order); viewers never ask.
ROUTES["/my/orders/<int:order_id>/b2b_request"] = [
    call(
        "buyer_a",
        "POST",
        "/my/orders/{order_b}/b2b_request",
        404,
        {"request_type": "cancel"},
    ),
    call(
        "rep_a",
        "POST",
        "/my/orders/{order_b}/b2b_request",
        404,
        {"request_type": "cancel"},
    ),
    call(
        "viewer_a",
        "POST",
        "/my/orders/{order_a}/b2b_request",
        403,
        {"request_type": "cancel"},
    ),
    call(
        "public",
        "POST",
        "/my/orders/{order_a}/b2b_request",
        "login",
        {"request_type": "cancel"},
    ),
]
_WITHDRAW_A = "/my/orders/{order_a}/b2b_request/{request_b}/withdraw"
_WITHDRAW_B = "/my/orders/{order_b}/b2b_request/{request_b}/withdraw"
ROUTES["/my/orders/<int:order_id>/b2b_request/<int:request_id>/withdraw"] = [
    call("buyer_a", "POST", _WITHDRAW_B, 404),
    call("buyer_a", "POST", _WITHDRAW_A, 404),
    call("rep_a", "POST", _WITHDRAW_B, 404),
    call("viewer_a", "POST", _WITHDRAW_A, 403),
    call("public", "POST", _WITHDRAW_A, "login"),
]
# --- end H16A ---

# --- H16B ---
# Order on account (controllers/checkout.py): only the session's cart, never
# an order id sent by the client; viewers never order.
ROUTES["/shop/b2b/order_on_account"] = [
    call(
        "buyer_a",
        "POST",
        "/shop/b2b/order_on_account",
        "redirect:/shop",
        {"sale_order_id": "{order_b_wait}", "order_id": "{order_b}"},
    ),
    call(
        "rep_a",
        "POST",
        "/shop/b2b/order_on_account",
        "redirect:/shop",
        {"sale_order_id": "{order_b_wait}"},
    ),
    call("viewer_a", "POST", "/shop/b2b/order_on_account", 403),
    call("public", "POST", "/shop/b2b/order_on_account", "login"),
]
# --- end H16B ---

#: Models walked over JSON-RPC besides the b2b ones found in the registry.
MODELS = [
    "b2b.signup.request",
    "b2b.act.log",
    "b2b.sale.report",
    "b2b.order.request",
    "product.pricelist",
    "product.pricelist.item",
    "sale.order",
    "sale.order.line",
    "account.move",
    "stock.picking",
    "res.partner",
]


def _format(value, values):
    """value with its ``{name}`` placeholders replaced (recursively).

    A string that is one placeholder only gets the value itself (an id stays
    an int in JSON).
    """
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in values:
            return values[value[1:-1]]
        return value.format(**values)
    if isinstance(value, dict):
        return {key: _format(item, values) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_format(item, values) for item in value)
    return value


@tagged("post_install", "-at_install")
class TestAccessRoutes(HttpCase):
    """Every route of b2b_portal, called by company A's users on B's records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        cls.website = env["website"].get_current_website()
        currency = cls.website.company_id.currency_id
        category = env["product.public.category"].create({"name": "Routes Category"})
        cls.product = env["product.product"].create(
            {
                "name": "Routes Widget",
                "default_code": "RTW-001",
                "list_price": 900.0,
                "is_published": True,
                "sale_ok": True,
                "website_id": False,
                "public_categ_ids": [(6, 0, category.ids)],
                "taxes_id": [(5, 0, 0)],
            }
        )

        def negotiated(name, price):
            return env["product.pricelist"].create(
                {
                    "name": name,
                    "currency_id": currency.id,
                    "b2b_negotiated": True,
                    "item_ids": [
                        (
                            0,
                            0,
                            {
                                "applied_on": "0_product_variant",
                                "product_id": cls.product.id,
                                "compute_price": "fixed",
                                "fixed_price": price,
                            },
                        )
                    ],
                }
            )

        # Each company's negotiated price for the product: A never gets B's.
        cls.pricelist_a = negotiated("Alpha Negotiated", 702.25)
        cls.pricelist_b = negotiated("Bravo Negotiated 2291", 617.53)
        cls.rep_a = new_test_user(
            env,
            login="b2b.routes.rep",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Routes Rep",
            password="b2b.routes.rep",
        )
        cls.rep_b = new_test_user(
            env,
            login="b2b.routes.rep.b",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Routes Other Rep",
            password="b2b.routes.rep.b",
        )
        address = {
            "street": "1 rue de la Paix",
            "city": "Paris",
            "zip": "75002",
            "country_id": env.ref("base.fr").id,
            "email": "routes-a@example.com",
            "phone": "0102030405",
        }
        cls.company_a = make_b2b_company(
            env,
            "Routes Alpha Company",
            pricelist=cls.pricelist_a,
            user_id=cls.rep_a.id,
            **address,
        )
        cls.company_b = make_b2b_company(
            env,
            "Zebulon Bravo Ltd",
            pricelist=cls.pricelist_b,
            user_id=cls.rep_b.id,
            street="17 Quietbravo Lane",
            city="Bravoville",
            zip="99117",
            country_id=env.ref("base.fr").id,
            email="zebulon@example.com",
        )
        cls.buyer_a = make_b2b_user(env, cls.company_a, "b2b.routes.buyer", "buyer")
        cls.approver_a = make_b2b_user(
            env, cls.company_a, "b2b.routes.approver", "approver"
        )
        cls.viewer_a = make_b2b_user(env, cls.company_a, "b2b.routes.viewer", "viewer")
        cls.buyer_b = make_b2b_user(env, cls.company_b, "zq.bbuyer", "buyer", 10)
        cls.address_b = env["res.partner"].create(
            {
                "name": "Bravo Hidden Depot",
                "type": "delivery",
                "parent_id": cls.company_b.id,
                "street": "5 Depotbravo Road",
                "city": "Bravoville",
            }
        )

        def order(partner, name, confirm=True):
            record = env["sale.order"].create(
                {
                    "name": name,
                    "partner_id": partner.id,
                    "order_line": [
                        (0, 0, {"product_id": cls.product.id, "product_uom_qty": 2})
                    ],
                }
            )
            if confirm:
                record.action_confirm()
            return record

        cls.order_a = order(cls.buyer_a.partner_id, "SO-RA-3301")
        cls.order_a_wait = order(cls.buyer_a.partner_id, "SO-RA-3302", confirm=False)
        cls.order_a_wait._b2b_request_approval()
        cls.order_b = order(cls.buyer_b.partner_id, "SO-RB-4417")
        cls.order_b.partner_shipping_id = cls.address_b
        cls.order_b_wait = order(cls.buyer_b.partner_id, "SO-RB-4418", confirm=False)
        cls.order_b_wait._b2b_request_approval()
        cls.invoice_b = cls.order_b._create_invoices()
        cls.invoice_b.action_post()
        cls.picking_b = cls.order_b.picking_ids[:1]
        cls.signup_request = env["b2b.signup.request"].create(
            {
                "name": "Zebulon Bravo Ltd",
                "contact_name": "Zq Bbuyer",
                "email": "zebulon@example.com",
            }
        )
        # --- H16A ---
        cls.request_b = env["b2b.order.request"].create(
            {
                "order_id": cls.order_b.id,
                "request_type": "modify",
                "message": "Bravoquantity change please",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "sale_line_id": cls.order_b.order_line[0].id,
                            "new_quantity": 1,
                        },
                    )
                ],
            }
        )
        # --- end H16A ---
        # --- H16B ---
        # --- end H16B ---

        cls.values = {
            "product": cls.product.id,
            "product_tmpl": cls.product.product_tmpl_id.id,
            "product_ref": cls.product.default_code,
            "product_url": cls.product.product_tmpl_id.website_url,
            "category_slug": env["ir.http"]._slug(category),
            "company_a": cls.company_a.id,
            "company_b": cls.company_b.id,
            "partner_b": cls.buyer_b.partner_id.id,
            "address_b": cls.address_b.id,
            "order_a": cls.order_a.id,
            "order_a_wait": cls.order_a_wait.id,
            "order_b": cls.order_b.id,
            "order_b_wait": cls.order_b_wait.id,
            "invoice_b": cls.invoice_b.id,
            "picking_b": cls.picking_b.id,
            "pricelist_b": cls.pricelist_b.id,
            # --- H16A ---
            "request_b": cls.request_b.id,
            # --- end H16A ---
            # --- H16B ---
            # --- end H16B ---
        }
        #: Texts of company B no answer to A may hold.
        cls.secrets = [
            cls.company_b.name,
            cls.buyer_b.partner_id.name,
            cls.address_b.name,
            "Quietbravo",
            "Depotbravo",
            "Bravoville",
            cls.pricelist_b.name,
            "617.53",
            "617,53",
            cls.order_b.name,
            cls.order_b_wait.name,
            cls.invoice_b.name,
            cls.picking_b.name,
            cls.rep_b.name,
            # --- H16A ---
            cls.request_b.name,
            "Bravoquantity",
            # --- end H16A ---
            # --- H16B ---
            # --- end H16B ---
        ]
        cls.users = {
            "buyer_a": cls.buyer_a,
            "approver_a": cls.approver_a,
            "viewer_a": cls.viewer_a,
            "rep_a": cls.rep_a,
        }

    # -- helpers -------------------------------------------------------------
    def _b2b_routes(self):
        """URL rules whose endpoint b2b_portal declares or overrides."""
        routes = set()
        for rule in self.env["ir.http"].routing_map().iter_rules():
            endpoint = rule.endpoint
            name = endpoint.__name__
            controller = type(endpoint.func.__self__)
            if any(
                cls.__module__.startswith(MODULE) and name in vars(cls)
                for cls in controller.mro()
            ):
                routes.add(rule.rule)
        return routes

    def _login(self, user):
        if user == "public":
            self.authenticate(None, None)
        else:
            login = self.users[user].login
            self.authenticate(login, login)

    def _request(self, entry):
        values = self.values
        url = _format(entry["url"], values)
        data = _format(entry["data"], values)
        if entry["method"] == "GET":
            return self.url_open(url, allow_redirects=False)
        if entry["method"] == "JSON":
            payload = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": data}
            return self.url_open(
                url,
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
                allow_redirects=False,
            )
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        files = _format(entry["files"], values)
        return self.url_open(url, data=data, files=files, allow_redirects=False)

    def _assert_expected(self, entry, response):
        expect = entry["expect"]
        location = response.headers.get("Location", "")
        if isinstance(expect, int):
            self.assertEqual(response.status_code, expect, location)
        elif expect == "login" or expect.startswith("redirect:"):
            self.assertIn(response.status_code, (301, 302, 303, 307))
            path = "/web/login" if expect == "login" else expect[len("redirect:") :]
            target = urlsplit(location).path or "/"
            self.assertEqual(target, path, f"redirected to {location}")
        else:
            self.assertEqual(response.status_code, 200)
            answer = response.json()
            if expect == "json":
                self.assertNotIn("error", answer, answer.get("error"))
            else:
                self.assertIn("error", answer)
                self.assertEqual(
                    answer["error"]["data"]["name"], expect[len("json_error:") :]
                )

    def _assert_no_secret(self, response):
        if "pdf" in response.headers.get("Content-Type", ""):
            self.fail("B's document was rendered")
        body = response.text
        for secret in self.secrets:
            self.assertNotIn(secret, body)

    def _state_b(self):
        self.env.invalidate_all()
        orders = self.env["sale.order"].search(
            [("partner_id", "child_of", self.company_b.id)]
        )
        return {
            "orders": [
                (o.id, o.state, o.b2b_approval_state, o.amount_total, len(o.order_line))
                for o in orders
            ],
            "invoices": [(m.id, m.state) for m in self.invoice_b],
            "act_logs": self.env["b2b.act.log"].search_count(
                [("partner_id", "=", self.company_b.id)]
            ),
        }

    def _reset_carts(self):
        """Every call starts with no cart: the walk does not depend on its order."""
        self.env["sale.order"].search(
            [
                ("state", "=", "draft"),
                ("website_id", "!=", False),
                ("partner_id", "child_of", self.company_a.id),
            ]
        ).unlink()

    def _cart_lines(self):
        """Cart lines of the viewer and of the public user."""
        public = self.env.ref("base.public_partner")
        return self.env["sale.order.line"].search_count(
            [
                ("order_id.state", "=", "draft"),
                (
                    "order_id.partner_id",
                    "in",
                    (self.viewer_a.partner_id | public).ids,
                ),
            ]
        )

    # -- tests ---------------------------------------------------------------
    def test_table_covers_every_route(self):
        declared = self._b2b_routes()
        self.assertIn("/my/orders/<int:order_id>/b2b_reorder", declared)
        self.assertIn("/shop/cart", declared)  # overridden by b2b_portal
        missing = sorted((declared | set(STOCK_ROUTES)) - set(ROUTES))
        self.assertFalse(missing, "routes missing from ROUTES: add an entry")
        known = {rule.rule for rule in self.env["ir.http"].routing_map().iter_rules()}
        stale = sorted(set(ROUTES) - known)
        self.assertFalse(stale, "ROUTES entries of routes that no longer exist")
        for route, entries in ROUTES.items():
            self.assertTrue(entries, route)
            for entry in entries:
                self.assertIn(entry["user"], {"public", *self.users}, route)
                self.assertIn(entry["method"], {"GET", "POST", "JSON"}, route)

    def test_walk_routes(self):
        self.website.b2b_only = True
        for route, entries in ROUTES.items():
            for entry in entries:
                label = f"{entry['user']} {entry['method']} {entry['url']}"
                with self.subTest(route=route, call=label):
                    self._reset_carts()
                    state_b = self._state_b()
                    cart_lines = self._cart_lines()
                    throttle.clear_rate_limits()
                    self._login(entry["user"])
                    with mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"):
                        response = self._request(entry)
                    self._assert_expected(entry, response)
                    self._assert_no_secret(response)
                    for text in _format(entry["contains"], self.values):
                        self.assertIn(str(text), response.text)
                    self.assertEqual(self._state_b(), state_b)
                    self.assertEqual(self._cart_lines(), cart_lines)

    def test_secrets_are_seen_by_b(self):
        """The secrets are written as pages show them: B's own user sees them."""
        self.authenticate(self.buyer_b.login, self.buyer_b.login)
        seen = "".join(
            self.url_open(url).text
            for url in (
                f"/my/orders/{self.order_b.id}",
                f"/my/invoices/{self.invoice_b.id}",
                self.values["product_url"],
            )
        )
        for secret in (
            self.company_b.name,
            self.order_b.name,
            self.invoice_b.name,
            self.picking_b.name,
            "617.53",
            "Quietbravo",
        ):
            self.assertIn(secret, seen)

    def _walked_models(self):
        """The b2b models, the ones b2b_portal restricts or opens to portal users."""
        env = self.env
        names = set(MODELS)
        names.update(name for name in env.registry if name.startswith("b2b."))
        data = env["ir.model.data"].search(
            [
                ("module", "=", "b2b_portal"),
                ("model", "in", ("ir.rule", "ir.model.access")),
            ]
        )
        # Their ACLs (portal ones included) and record rules.
        for record in (env[d.model].browse(d.res_id) for d in data):
            names.add(record.model_id.model)
        return sorted(name for name in names if name in env)

    def _records_b(self, model, _parent=False):
        """Company B's records of model (sudo), or an empty recordset."""
        explicit = {
            "product.pricelist": self.pricelist_b,
            "product.pricelist.item": self.pricelist_b.item_ids,
            "res.partner": self.company_b | self.buyer_b.partner_id | self.address_b,
            "b2b.signup.request": self.signup_request,
            "account.move": self.invoice_b,
            "stock.picking": self.picking_b,
        }
        if model in explicit:
            return explicit[model]
        Model = self.env[model].sudo()
        for name in ("commercial_partner_id", "partner_id", "order_partner_id"):
            field = Model._fields.get(name)
            if field and field.comodel_name == "res.partner" and field.store:
                return Model.search([(name, "child_of", self.company_b.id)])
        if not _parent:
            # A line model: the lines of B's parent records.
            for name, field in Model._fields.items():
                if field.type == "many2one" and field.store and field.required:
                    parents = self._records_b(field.comodel_name, _parent=True)
                    if parents and parents._name != "res.partner":
                        return Model.search([(name, "in", parents.ids)])
        return Model

    def test_models_over_jsonrpc(self):
        self.env["b2b.sale.report"].flush_model()
        models = self._walked_models()
        self.assertIn("b2b.act.log", models)
        self.env["b2b.act.log"]._b2b_log(self.company_b, "start", user=self.rep_b)
        self.authenticate(self.buyer_a.login, self.buyer_a.login)
        for model in models:
            with self.subTest(model=model):
                records = self._records_b(model)
                self.assertTrue(
                    records,
                    f"no record of company B for {model}: create one in setUpClass "
                    "or name it in _records_b",
                )
                ids = records.ids
                found = self._call_kw(
                    model,
                    "search_read",
                    [[("id", "in", ids)]],
                    {"fields": ["display_name"]},
                )
                self.assertIn(found, ([], "odoo.exceptions.AccessError"))
                self.assertEqual(
                    self._call_kw(model, "read", [ids, ["display_name"]], {}),
                    "odoo.exceptions.AccessError",
                )

    def _call_kw(self, model, method, args, kwargs):
        """The result, or the name of the exception raised."""
        payload = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs,
            },
        }
        with mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
            )
        self._assert_no_secret(response)
        answer = response.json()
        if "error" in answer:
            return answer["error"]["data"]["name"]
        return answer["result"]
