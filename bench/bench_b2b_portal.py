#!/usr/bin/env python3
"""B2B portal under load: 20 signed-in buyers at once on a 50,000 products
shop, with ``b2b_portal`` (A) and without it (B).

Usage (with the Python that runs Odoo 18 and the suite's requirements)::

    python3 bench/bench_b2b_portal.py --addons-path ... --template mphub_tplw \
        --db_host 127.0.0.1 --db_port 39147 [--db_user odoo] \
        [--products 50000] [--buyers 20] [--seconds 60] [--think 0] \
        [--port 8771] [--keep-db]

It makes two throwaway databases from ``--template`` (website_sale and
website_sale_stock installed): A with ``b2b_portal`` installed (no demo data
of it), B without. In each it writes in SQL the same N published storable
products (templates, variants with a reference ``B2B-000001``..., taxes,
stock quants: one in five out of stock) and ``--buyers`` portal users under
one company; in A the company is a validated B2B account with a negotiated
pricelist (a 3 % global rule, and 3 tiers at 10/50/100 units on one product
in five) and the websites are "B2B catalogue only".

For each database in turn it starts a real Odoo server (``--workers 2``,
``--max-cron-threads 0``, its own port), signs the buyers in through
``/web/login`` (CSRF token), warms the server with one untimed loop per
buyer, then runs the buyers in threads (one ``requests.Session`` each) for
``--seconds``, each looping over: ``/shop``, ``/shop/page/N``, a search, a
product page, an add to cart (``/shop/cart/update_json``), ``/shop/cart``,
and in A ``/my/quick-order`` and a preview of 10 references
(``/b2b/quick-order/preview``); the cart is emptied (``/shop/cart/clear``)
every 10 loops. Both runs draw the same products (seeded).

It prints per page p50 / p95 / count (and errors) for A and B, the p95 ratio
A/B, the throughput, the server log's ERROR lines, and the verdict against
the target: every page's p95 under 300 ms in A on this 2-core machine. Each
buyer reads a page before the next one (``--think``, 1 s on average by
default, drawn between 0.5 and 1.5 s: 20 buyers then ask about 15 pages a
second); with ``--think 0`` the buyers never pause, a saturation test where 20
requests always compete for 2 workers, so the latencies are mostly queueing.
The databases are dropped afterwards (unless ``--keep-db``; ``--db-a`` and
``--db-b`` reuse kept ones).
"""

import argparse
import contextlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

# rows copied in SQL from a template row, as the repricing bench writes them
from bench_repricing_odoo import _clone  # noqa: E402

TARGET_P95_MS = 300.0
PASSWORD = "bench-b2b-password"
WORDS = (
    "Cable",
    "Screw",
    "Switch",
    "Socket",
    "Lamp",
    "Pipe",
    "Valve",
    "Drill",
    "Glove",
    "Sensor",
)
#: Products the buyers visit, add and quick-order (spread over the catalogue).
SAMPLE = 1000
PREVIEW_LINES = 10
CLEAR_EVERY = 10
LAUNCHER = """#!{python}
import os
import sys
import time

if len(sys.argv) > 1 and sys.argv[1] == "gevent":
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    sys.exit(0)
import odoo

odoo.cli.main()
"""
CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


# -- databases and data (in process, as bench_repricing_odoo.py) -------------
def _odoo(args):
    import odoo

    argv = ["--addons-path", args.addons_path, "--log-level=warn"]
    argv += _db_args(args)
    odoo.tools.config.parse_config(argv, setup_logging=True)
    odoo.tools.config["without_demo"] = "all"
    return odoo


def _db_args(args):
    argv = []
    for key in ("db_host", "db_port", "db_user", "db_password"):
        if getattr(args, key, None):
            argv += [f"--{key}", str(getattr(args, key))]
    return argv


def _create_database(odoo, dbname, template, modules):
    from odoo.modules.registry import Registry
    from odoo.sql_db import db_connect

    with db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"')
    source = odoo.tools.config.filestore(template)
    if os.path.isdir(source):
        shutil.copytree(source, odoo.tools.config.filestore(dbname))
    odoo.tools.config["init"] = dict.fromkeys(modules, 1)
    try:
        return Registry.new(dbname, update_module=bool(modules))
    finally:
        odoo.tools.config["init"] = {}


def _reference(number):
    return f"B2B-{number:06d}"


def build_catalogue(env, count, seed):
    """``count`` published storable products, referenced B2B-000001...; their
    template ids in order."""
    cr = env.cr
    company = env.company
    template = env["product.template"].create(
        {
            "name": f"{WORDS[1]} 1",
            "default_code": _reference(1),
            "list_price": 25.0,
            "standard_price": 10.0,
            "type": "consu",
            "is_storable": True,
            "sale_ok": True,
            "is_published": True,
            "website_id": False,
            "website_sequence": 100001,
        }
    )
    product = template.product_variant_id
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 40)
    quant = env["stock.quant"].search([("product_id", "=", product.id)], limit=1)
    env.flush_all()
    cr.execute("SELECT setseed(%s)", (seed / 100.0,))
    series = f"SELECT g AS n FROM generate_series(2, {count}) g"
    words = "ARRAY[" + ", ".join(f"'{word}'" for word in WORDS) + "]"
    template_ids = _clone(
        cr,
        "product_template",
        template.id,
        series,
        {
            "name": (
                f"jsonb_build_object('en_US', ({words})[mod(x.n, {len(WORDS)}) + 1] "
                "|| ' ' || x.n)"
            ),
            "default_code": "'B2B-' || lpad(x.n::text, 6, '0')",
            "description_sale": (
                f"jsonb_build_object('en_US', 'Professional ' || "
                f"lower(({words})[mod(x.n, {len(WORDS)}) + 1]) || ' for installers')"
            ),
            "list_price": "round((5 + random() * 95)::numeric, 2)",
            "website_sequence": "100000 + x.n",
        },
    )
    by_template = cr.mogrify(
        "SELECT i AS tid, n + 1 AS n FROM unnest(%s::int[]) WITH ORDINALITY u(i, n)",
        (template_ids,),
    ).decode()
    product_ids = _clone(
        cr,
        "product_product",
        product.id,
        by_template,
        {
            "product_tmpl_id": "x.tid",
            "default_code": "'B2B-' || lpad(x.n::text, 6, '0')",
            "barcode": "NULL",
            "standard_price": (
                f"jsonb_build_object('{company.id}', "
                "round((2 + random() * 40)::numeric, 2))"
            ),
        },
    )
    cr.execute(
        "INSERT INTO product_taxes_rel (prod_id, tax_id) "
        "SELECT p, r.tax_id FROM unnest(%s::int[]) p, product_taxes_rel r "
        "WHERE r.prod_id = %s",
        (template_ids, template.id),
    )
    by_product = cr.mogrify(
        "SELECT i AS pid, n + 1 AS n FROM unnest(%s::int[]) WITH ORDINALITY u(i, n)",
        (product_ids,),
    ).decode()
    # one product in five out of stock (no quant)
    _clone(
        cr,
        "stock_quant",
        quant.id,
        f"SELECT * FROM ({by_product}) y WHERE mod(y.n, 5) != 0",
        {"product_id": "x.pid", "quantity": "1 + floor(random() * 200)"},
    )
    return [template.id, *template_ids]


def build_buyers(env, buyers, pricelist=None):
    """A company and its ``buyers`` portal users (bench_buyer_01...); in A a
    validated B2B account with ``pricelist``."""
    from odoo import Command

    values = {"name": "Bench Installer SARL", "is_company": True}
    if pricelist:
        values.update(b2b_state="validated", property_product_pricelist=pricelist.id)
    company = env["res.partner"].create(values)
    portal = env.ref("base.group_portal")
    Users = env["res.users"].with_context(no_reset_password=True)
    logins = []
    for index in range(1, buyers + 1):
        login = f"bench_buyer_{index:02d}"
        contact = env["res.partner"].create(
            {
                "name": f"Bench Buyer {index:02d}",
                "parent_id": company.id,
                "email": f"{login}@example.com",
            }
        )
        Users.create(
            {
                "login": login,
                "password": PASSWORD,
                "partner_id": contact.id,
                "groups_id": [Command.set(portal.ids)],
            }
        )
        logins.append(login)
    return logins


def build_pricelist(env, template_ids):
    """The negotiated pricelist: 3 % off everything, and tiers at 10 / 50 / 100
    units (-5 / -10 / -15 % of the list price) on one product in five."""
    cr = env.cr
    source = env["product.template"].browse(template_ids[0])
    pricelist = env["product.pricelist"].create(
        {
            "name": "Bench negotiated",
            "b2b_negotiated": True,
            "selectable": False,
            "website_id": False,
            "company_id": False,
            "currency_id": env.company.currency_id.id,
            "item_ids": [
                (
                    0,
                    0,
                    {
                        "applied_on": "3_global",
                        "compute_price": "percentage",
                        "percent_price": 3.0,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "applied_on": "1_product",
                        "product_tmpl_id": source.id,
                        "compute_price": "fixed",
                        "fixed_price": 20.0,
                        "min_quantity": 10,
                    },
                ),
            ],
        }
    )
    item = pricelist.item_ids.filtered(lambda i: i.applied_on == "1_product")
    env.flush_all()
    tiered = cr.mogrify(
        """
        SELECT t.id AS tid, t.list_price AS price, q.qty, q.factor,
               row_number() OVER (ORDER BY t.id, q.qty) AS n
          FROM unnest(%s::int[]) WITH ORDINALITY u(i, k)
          JOIN product_template t ON t.id = u.i
         CROSS JOIN (VALUES (10, 0.95), (50, 0.90), (100, 0.85)) q(qty, factor)
         WHERE mod(u.k, 5) = 0
        """,
        (template_ids,),
    ).decode()
    _clone(
        cr,
        "product_pricelist_item",
        item.id,
        tiered,
        {
            "product_tmpl_id": "x.tid",
            "min_quantity": "x.qty",
            "fixed_price": "round(x.price * x.factor, 2)",
        },
    )
    return pricelist


def build_database(odoo, args, dbname, with_b2b):
    """Database A (``with_b2b``) or B; the logins of its buyers."""
    from odoo import SUPERUSER_ID, api

    started = time.perf_counter()
    modules = ["b2b_portal"] if with_b2b else []
    registry = _create_database(odoo, dbname, args.template, modules)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        template_ids = build_catalogue(env, args.products, args.seed)
        pricelist = build_pricelist(env, template_ids) if with_b2b else None
        build_buyers(env, args.buyers, pricelist)
        if with_b2b:
            env["website"].search([]).b2b_only = True
        env.flush_all()
        cr.commit()
        cr.execute("ANALYZE")
        cr.commit()
    print(
        f"  {dbname}: {args.products} products, {args.buyers} buyers written in "
        f"{time.perf_counter() - started:.0f} s (install included, not timed)",
        flush=True,
    )


def read_targets(odoo, dbname):
    """{n: (product page path, product id)} for the sampled references."""
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    with Registry(dbname).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        products = env["product.product"].search(
            [("default_code", "=like", "B2B-%")], order="default_code"
        )
        step = max(1, len(products) // SAMPLE)
        targets = {}
        for product in products[::step]:
            number = int(product.default_code[4:])
            slug = env["ir.http"]._slug(product.product_tmpl_id)
            targets[number] = (f"/shop/{slug}", product.id)
        return targets


def drop_database(dbname):
    from odoo.modules.registry import Registry
    from odoo.service import db as db_service

    Registry.delete(dbname)
    db_service.exp_drop(dbname)


# -- the server ----------------------------------------------------------------
class Server:
    """A multi-worker Odoo server on one database (as tests/odoo/conftest.py)."""

    def __init__(self, args, dbname, port):
        self.args = args
        self.dbname = dbname
        self.port = port
        self.process = None
        self.log = None
        self.log_path = f"/tmp/bench-b2b-{dbname}-{port}.log"

    def start(self):
        # a real script, as odoo-bin: Odoo re-executes its own command line.
        # The prefork server also spawns "<script> gevent ..." for the bus's
        # long polling, which the bench does not use; in this venv that process
        # dies at import (gevent's plugins want zope.interface's distribution)
        # and the server respawns it every second, eating a core: the script
        # runs a sleeper instead, ending with its parent.
        launcher = f"/tmp/bench-b2b-odoo-{self.port}"
        with open(launcher, "w") as handle:
            handle.write(LAUNCHER.format(python=sys.executable))
        os.chmod(launcher, 0o755)
        cmd = [
            launcher,
            "-d",
            self.dbname,
            *_db_args(self.args),
            "--addons-path",
            self.args.addons_path,
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(self.port + 1),
            "--workers",
            "2",
            "--max-cron-threads",
            "0",
            "--db-filter",
            f"^{self.dbname}$",
            "--limit-time-real",
            "600",
            "--limit-time-cpu",
            "600",
            "--log-level",
            "warn",
        ]
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo stopped, see {self.log_path}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            time.sleep(0.5)
        raise RuntimeError(f"Odoo did not start, see {self.log_path}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()

    def errors(self):
        with open(self.log_path) as handle:
            return [
                line.rstrip()[:300]
                for line in handle
                if " ERROR " in line or " CRITICAL " in line
            ]


# -- the buyers ----------------------------------------------------------------
class Buyer:
    """One signed-in buyer looping over the shop's pages."""

    def __init__(self, base_url, login, targets, with_b2b, seed, think):
        import requests

        self.base_url = base_url
        self.login = login
        self.session = requests.Session()
        self.targets = targets
        self.numbers = sorted(targets)
        self.with_b2b = with_b2b
        self.random = random.Random(seed)
        self.think = think
        self.timings = {}  # page: [seconds]
        self.errors = {}  # page: count
        self.first_error = {}  # page: what went wrong, first time
        self.limited = 0
        self.loops = 0
        self.rpc_id = 0

    def sign_in(self):
        response = self.session.get(f"{self.base_url}/web/login", timeout=120)
        token = CSRF_RE.search(response.text)
        if not token:
            raise RuntimeError(f"{self.login}: no CSRF token on /web/login")
        response = self.session.post(
            f"{self.base_url}/web/login",
            data={
                "login": self.login,
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "redirect": "/my",
            },
            timeout=120,
        )
        if response.status_code != 200 or "/web/login" in response.url:
            raise RuntimeError(f"{self.login}: sign-in refused ({response.url})")

    def _record(self, page, started, ok, detail=""):
        self.timings.setdefault(page, []).append(time.perf_counter() - started)
        if not ok:
            self.errors[page] = self.errors.get(page, 0) + 1
            self.first_error.setdefault(page, " ".join(detail.split())[:200])
        if self.think:
            # a buyer reads the page before the next one
            time.sleep(self.random.uniform(0.5, 1.5) * self.think)

    def _get(self, page, path, params=None):
        started = time.perf_counter()
        try:
            response = self.session.get(
                self.base_url + path, params=params, timeout=120
            )
            ok = response.status_code == 200
            detail = f"HTTP {response.status_code}"
        except OSError as error:
            ok, detail = False, repr(error)
        self._record(page, started, ok, detail)

    def _json(self, page, path, params):
        self.rpc_id += 1
        payload = {"jsonrpc": "2.0", "method": "call", "id": self.rpc_id}
        payload["params"] = params
        started = time.perf_counter()
        result = None
        try:
            response = self.session.post(
                self.base_url + path, json=payload, timeout=120
            )
            body = response.json() if response.status_code == 200 else {}
            # Odoo leaves "result" out when the route returns None
            ok = body.get("jsonrpc") == "2.0" and "error" not in body
            result = body.get("result")
            detail = f"HTTP {response.status_code} {body.get('error') or ''}"
        except (OSError, ValueError) as error:
            ok, detail = False, repr(error)
        self._record(page, started, ok, detail)
        return result

    def loop(self):
        pick = self.random.choice
        number = pick(self.numbers)
        path, product_id = self.targets[number]
        self._get("/shop", "/shop")
        self._get("/shop/page/N", f"/shop/page/{self.random.randint(2, 100)}")
        self._get("/shop?search=", "/shop", {"search": pick(WORDS).lower()})
        self._get("product page", path)
        self._json(
            "cart/update_json",
            "/shop/cart/update_json",
            {"product_id": product_id, "add_qty": 1},
        )
        self._get("/shop/cart", "/shop/cart")
        if self.with_b2b:
            self._get("/my/quick-order", "/my/quick-order")
            text = "\n".join(
                f"{_reference(pick(self.numbers))};{self.random.randint(1, 20)}"
                for _index in range(PREVIEW_LINES)
            )
            result = self._json(
                "quick-order/preview", "/b2b/quick-order/preview", {"text": text}
            )
            if isinstance(result, dict) and result.get("error"):
                self.limited += 1
        self.loops += 1
        if self.loops % CLEAR_EVERY == 0:
            self._json("cart/clear", "/shop/cart/clear", {})

    def run(self, deadline):
        if self.think:
            # buyers arrive one after the other, not all at the same instant
            time.sleep(self.random.uniform(0, 2 * self.think))
        while time.monotonic() < deadline:
            self.loop()


def run_load(args, dbname, port, with_b2b, targets, logins):
    """Start the server, sign in, warm, load; (stats, loops, seconds, errors)."""
    server = Server(args, dbname, port).start()
    try:
        base_url = f"http://127.0.0.1:{port}"
        buyers = [
            Buyer(base_url, login, targets, with_b2b, args.seed + index, args.think)
            for index, login in enumerate(logins)
        ]
        started = time.perf_counter()
        for buyer in buyers:
            buyer.sign_in()
        # warm: one loop each, all at once (assets, both workers' caches)
        _in_threads(buyers, lambda buyer: buyer.loop())
        for buyer in buyers:
            buyer.timings.clear()
            buyer.errors.clear()
            buyer.limited = buyer.loops = 0
        print(
            f"  {dbname}: server up, {len(buyers)} buyers signed in and warmed in "
            f"{time.perf_counter() - started:.0f} s; loading for {args.seconds} s...",
            flush=True,
        )
        started = time.perf_counter()
        deadline = time.monotonic() + args.seconds
        _in_threads(buyers, lambda buyer: buyer.run(deadline))
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    stats = {}
    for buyer in buyers:
        for page, timings in buyer.timings.items():
            entry = stats.setdefault(page, {"timings": [], "errors": 0})
            entry["timings"].extend(timings)
            entry["errors"] += buyer.errors.get(page, 0)
            if page in buyer.first_error:
                entry.setdefault("error", buyer.first_error[page])
    loops = sum(buyer.loops for buyer in buyers)
    limited = sum(buyer.limited for buyer in buyers)
    return stats, loops, limited, elapsed, server.errors()


def _in_threads(buyers, function):
    failures = []

    def target(buyer):
        try:
            function(buyer)
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(f"{buyer.login}: {error!r}")

    threads = [threading.Thread(target=target, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("; ".join(failures[:3]))


# -- report --------------------------------------------------------------------
def _percentile(values, fraction):
    """Nearest-rank percentile of values (seconds), in ms."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered))) - 1))
    return ordered[index] * 1000.0


def report(args, result_a, result_b):
    stats_a, loops_a, limited, elapsed_a, errors_a = result_a
    stats_b, loops_b, _limited_b, elapsed_b, errors_b = result_b
    pages = list(stats_a) + [page for page in stats_b if page not in stats_a]
    print()
    print(
        f"B2B portal bench: {args.products} products, {args.buyers} buyers, "
        f"{args.seconds} s, think {args.think} s, 2 workers; times in ms"
    )
    header = (
        f"{'page':<22} {'A p50':>7} {'A p95':>7} {'A n':>6} {'A err':>5}   "
        f"{'B p50':>7} {'B p95':>7} {'B n':>6} {'B err':>5}   {'p95 A/B':>7}"
    )
    print(header)
    print("-" * len(header))
    over = []
    for page in pages:
        cells = []
        p95 = {}
        for key, stats in (("A", stats_a), ("B", stats_b)):
            entry = stats.get(page)
            if not entry:
                cells.append(f"{'-':>7} {'-':>7} {'-':>6} {'-':>5}")
                continue
            timings = entry["timings"]
            p95[key] = _percentile(timings, 0.95)
            cells.append(
                f"{_percentile(timings, 0.50):7.0f} {p95[key]:7.0f} "
                f"{len(timings):6d} {entry['errors']:5d}"
            )
        ratio = f"{p95['A'] / p95['B']:7.2f}" if len(p95) == 2 else f"{'-':>7}"
        print(f"{page:<22} {cells[0]}   {cells[1]}   {ratio}")
        if p95.get("A", 0) >= TARGET_P95_MS:
            over.append(f"{page} ({p95['A']:.0f} ms)")
    for key, stats, loops, elapsed in (
        ("A", stats_a, loops_a, elapsed_a),
        ("B", stats_b, loops_b, elapsed_b),
    ):
        requests_count = sum(len(entry["timings"]) for entry in stats.values())
        print(
            f"{key}: {loops} loops, {requests_count} requests in {elapsed:.0f} s "
            f"({requests_count / elapsed:.1f} req/s)"
        )
    for key, stats in (("A", stats_a), ("B", stats_b)):
        for page, entry in stats.items():
            if entry.get("error"):
                failed = f"{key}: {page} failed {entry['errors']} time(s)"
                print(f"{failed}: {entry['error']}")
    if limited:
        print(f"A: {limited} previews refused by the rate limit (counted as done)")
    for key, errors in (("A", errors_a), ("B", errors_b)):
        if errors:
            print(f"{key}: {len(errors)} ERROR line(s) in the server log, first:")
            for line in errors[:3]:
                print(f"    {line}")
    verdict = "OK" if not over else "OVER TARGET: " + ", ".join(over)
    print(f"Verdict (every page's p95 in A < {TARGET_P95_MS:.0f} ms): {verdict}")
    return not over


def run_bench(args):
    odoo = _odoo(args)
    stamp = int(time.time())
    names = {
        True: args.db_a or f"h7_bench_b2b_a_{stamp}",
        False: args.db_b or f"h7_bench_b2b_b_{stamp}",
    }
    created = []
    results = {}
    logins = [f"bench_buyer_{index:02d}" for index in range(1, args.buyers + 1)]
    try:
        for with_b2b, port in ((True, args.port), (False, args.port + 2)):
            dbname = names[with_b2b]
            if not (args.db_a if with_b2b else args.db_b):
                label = "A (b2b_portal)" if with_b2b else "B (plain)"
                print(f"Creating {label}: {dbname}...", flush=True)
                created.append(dbname)
                build_database(odoo, args, dbname, with_b2b)
            targets = read_targets(odoo, dbname)
            results[with_b2b] = run_load(args, dbname, port, with_b2b, targets, logins)
    finally:
        if not args.keep_db:
            for dbname in created:
                drop_database(dbname)
        elif created:
            print(f"Kept: --db-a {names[True]} --db-b {names[False]}")
    return report(args, results[True], results[False])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--template", default="mphub_tplw")
    parser.add_argument("--db_host")
    parser.add_argument("--db_port")
    parser.add_argument("--db_user", default="odoo")
    parser.add_argument("--db_password")
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause of a buyer between two pages (s); 0: no pause, "
        "a saturation test (each buyer keeps a request in flight)",
    )
    parser.add_argument("--port", type=int, default=8771, help="A's; B's is +2")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--db-a", help="reuse a kept database A")
    parser.add_argument("--db-b", help="reuse a kept database B")
    args = parser.parse_args()
    sys.exit(0 if run_bench(args) else 1)


if __name__ == "__main__":
    main()
