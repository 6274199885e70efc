#!/usr/bin/env python3
"""Take the screenshots of ``docs/screenshots/`` from a running demo.

    python3 setup/screenshots.py --url http://localhost:8069 --db sellerhub

Logs in to the demo (``admin``/``admin`` unless told otherwise), then for
English and French (French is activated if needed) opens the overview of the
marketplace accounts, an order in error and the offers of a product in a
headless Chromium (Debian's ``chromium``, or ``--browser``), and saves one
PNG per page and language. Fails, without writing anything, when a page
logs a console error or does not show what it should.

It drives Chromium through the DevTools protocol with ``websocket-client``
(one of the test requirements) and talks to Odoo by JSON-RPC with
``requests``: no Odoo import, so it works against the compose demo as well
as against an Odoo started by hand.
"""

import argparse
import base64
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket

LANGS = ("en_US", "fr_FR")
WIDTH, HEIGHT = 1440, 900


class Odoo:
    """A JSON-RPC session on the demo."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        answer = self.call(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        if not answer.get("uid"):
            raise SystemExit(f"login as {login} on {db} failed")
        self.uid = answer["uid"]

    def call(self, path, params):
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=120,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise SystemExit(f"{path}: {body['error']['data']['message']}")
        return body["result"]

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    @property
    def session_id(self):
        return self.session.cookies.get("session_id")

    def ensure_lang(self, code):
        found = self.execute(
            "res.lang",
            "search_read",
            [("code", "=", code)],
            ["active"],
            context={"active_test": False},
        )
        if not found:
            raise SystemExit(f"language {code} unknown to this Odoo")
        # (re)load the translations from the addons' files
        wizard = self.execute(
            "base.language.install",
            "create",
            {"lang_ids": [(6, 0, [found[0]["id"]])], "overwrite": True},
        )
        self.execute("base.language.install", "lang_install", [wizard])

    def set_lang(self, code):
        self.execute("res.users", "write", [self.uid], {"lang": code})


class Chromium:
    """A headless Chromium driven through the DevTools protocol."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="mphub-shots-")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._devtools_port()
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10)
        page = next(t for t in targets.json() if t["type"] == "page")
        self.socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True
        )
        self.ids = itertools.count(1)
        self.errors = []
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _devtools_port(self):
        marker = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(marker):
                with open(marker) as handle:
                    first = handle.readline().strip()
                if first:
                    return int(first)
            time.sleep(0.1)
        raise SystemExit("Chromium did not open its DevTools port")

    def send(self, method, **params):
        message_id = next(self.ids)
        self.socket.send(
            json.dumps({"id": message_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message):
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(
                " ".join(
                    str(a.get("value", a.get("description", "")))
                    for a in params["args"]
                )
            )

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def open(self, url, ready, timeout=60):
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        check = (
            f"!!document.querySelector({json.dumps(ready)}) && "
            "!document.querySelector('.o_loading_indicator, .o_blockUI')"
        )
        while time.monotonic() < deadline:
            if self.evaluate(check):
                time.sleep(1.0)  # let the last renders and fonts settle
                return
            time.sleep(0.3)
        raise SystemExit(f"{url}: {ready!r} never appeared")

    def click(self, selector, ready, timeout=30):
        found = f"document.querySelector({json.dumps(selector)})"
        if not self.evaluate(f"(el => el ? (el.click(), true) : false)({found})"):
            raise SystemExit(f"nothing to click at {selector!r}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(ready)})"):
                time.sleep(1.0)
                return
            time.sleep(0.3)
        raise SystemExit(f"{ready!r} never appeared after clicking {selector!r}")

    def screenshot(self):
        return base64.b64decode(
            self.send("Page.captureScreenshot", format="png")["data"]
        )

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


def pages(odoo):
    """(name, url path, selector to wait for, optional click) of each page."""
    in_error = odoo.execute(
        "mp.order.binding", "search", [("state", "=", "error")], limit=1, order="id"
    )
    if not in_error:
        raise SystemExit("the demo has no order in error yet: import orders first")
    offers = odoo.execute(
        "mp.offer.binding",
        "read_group",
        [("product_id", "!=", False)],
        ["product_id"],
        ["product_id"],
        orderby="product_id_count desc",
        limit=1,
    )
    if not offers:
        raise SystemExit(
            "the demo has no offer bound to a product: import listings first"
        )
    product = odoo.execute(
        "product.product", "read", [offers[0]["product_id"][0]], ["product_tmpl_id"]
    )[0]
    return [
        (
            "overview",
            "/odoo/action-mp_connector_base.mp_backend_dashboard_action",
            ".o_kanban_record",
            None,
        ),
        (
            "order_in_error",
            f"/odoo/action-mp_connector_base.mp_order_binding_action/{in_error[0]}",
            ".o_form_view .alert-danger",
            None,
        ),
        (
            "product_offers",
            "/odoo/action-product.product_template_action/"
            f"{product['product_tmpl_id'][0]}",
            ".o_form_view .o_notebook a[name='mp_offers']",
            (
                ".o_notebook a[name='mp_offers']",
                ".o_field_widget[name='mp_offer_ids'] .o_data_row",
            ),
        ),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://localhost:8069", help="the demo's URL")
    parser.add_argument("--db", default="sellerhub", help="its database")
    parser.add_argument("--login", default="admin", help="a user who sees it all")
    parser.add_argument("--password", default="admin", help="that user's password")
    parser.add_argument(
        "--out",
        default=os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            "docs",
            "screenshots",
        ),
        help="where the PNG files go (default: docs/screenshots)",
    )
    parser.add_argument(
        "--browser",
        default=shutil.which("chromium") or shutil.which("google-chrome") or "chromium",
        help="the Chromium or Chrome executable",
    )
    args = parser.parse_args(argv)

    odoo = Odoo(args.url, args.db, args.login, args.password)
    odoo.ensure_lang("fr_FR")
    targets = pages(odoo)
    shots = {}
    browser = Chromium(args.browser)
    try:
        browser.send(
            "Network.setCookie",
            name="session_id",
            value=odoo.session_id,
            url=odoo.url,
            path="/",
        )
        for lang in LANGS:
            odoo.set_lang(lang)
            for name, path, ready, click in targets:
                browser.open(odoo.url + path, ready)
                if click:
                    browser.click(*click)
                if browser.errors:
                    raise SystemExit(
                        f"{name} ({lang}): console errors: {browser.errors}"
                    )
                shots[f"{name}.{lang.split('_')[0]}.png"] = browser.screenshot()
    finally:
        odoo.set_lang("en_US")
        browser.close()
    os.makedirs(args.out, exist_ok=True)
    for filename, data in shots.items():
        with open(os.path.join(args.out, filename), "wb") as handle:
            handle.write(data)
        print(os.path.join(args.out, filename))
    return 0


if __name__ == "__main__":
    sys.exit(main())
