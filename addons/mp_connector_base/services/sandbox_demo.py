"""Demo and test set-up on the sandbox marketplaces (``mphub.sandbox``).

Nothing here runs in production: the demo data call it through the
``mp.demo`` entry point, the tests through their common set-up. It creates
what the sandbox marketplaces sell (products with their EANs, prices, French
VAT and stock), a pricelist in their currency, and tells where the sandbox
listens.
"""

import os

from odoo import Command

# where ``python -m mphub.sandbox --standard-ports`` listens, unless the
# environment says otherwise (docker-compose: MPHUB_SANDBOX_MIRAKL_URL...)
SANDBOX_URL_VARIABLE = "MPHUB_SANDBOX_{}_URL"
SANDBOX_HOST = "http://127.0.0.1"


def sandbox_url(emulator):
    """The base URL of the sandbox's ``emulator`` ("mirakl", "amazon")."""
    from mphub.sandbox.__main__ import STANDARD_PORTS

    return os.environ.get(SANDBOX_URL_VARIABLE.format(emulator.upper())) or (
        f"{SANDBOX_HOST}:{STANDARD_PORTS[emulator]}"
    )


class SandboxDemo:
    """The sandbox's catalogue, taxes and pricelist in a database."""

    def __init__(self, env):
        self.env = env

    def skip_company_enrichment(self):
        """The demo company is not a real one to look up.

        partner_autocomplete (auto-installed with the web client) asks
        Odoo's IAP service about the current company when the first browser
        tab opens, and logs an ERROR when the server has no internet access,
        as a demo often has not.
        """
        companies = self.env["res.company"]
        if "iap_enrich_auto_done" in companies._fields:
            companies.search([]).write({"iap_enrich_auto_done": True})

    def load_catalog(self, size=60, quantity=50, seed=42, company=None, start=0):
        """Create the products the sandbox marketplaces sell, with stock:
        ``size`` catalogue products from index ``start``; return them all
        (those that existed included).

        SKUs, EANs, prices and VAT rates come from ``mphub.sandbox.catalog``,
        so that sandbox orders reference products Odoo knows.
        """
        from mphub.sandbox import catalog

        company = company or self.env.company
        products = self.env["product.product"]
        items = catalog.products(seed, size, start)
        skus = [item["sku"] for item in items]
        existing = set(
            products.search([("default_code", "in", skus)]).mapped("default_code")
        )
        created = products.create(
            [
                self._product_values(item, company)
                for item in items
                if item["sku"] not in existing
            ]
        )
        # the sandbox marketplaces charge French VAT on shipping and gift
        # wrapping: the account's products of these lines say so
        for xmlid in ("product_marketplace_shipping", "product_marketplace_gift_wrap"):
            service = self.env.ref(f"mp_connector_base.{xmlid}", False)
            if service and not service.taxes_id._filter_taxes_by_company(company):
                service.taxes_id |= self.sale_tax(company, 20)
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        if quantity and warehouse:
            for product in created:
                self.env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, quantity
                )
        return products.search([("default_code", "in", skus)])

    def _product_values(self, item, company):
        return {
            "name": item["name"],
            "default_code": item["sku"],
            "barcode": item["ean"],
            "list_price": float(item["price"]),
            "weight": item["weight"],
            "type": "consu",
            "is_storable": True,
            "taxes_id": [Command.set(self.sale_tax(company, item["tax_rate"]).ids)],
        }

    def pricelist(self, currency_code="EUR"):
        """A pricelist in the sandbox marketplaces' currency."""
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", currency_code)], limit=1)
        )
        currency.active = True
        pricelist = self.env["product.pricelist"].search(
            [("currency_id", "=", currency.id)], limit=1
        )
        return pricelist or self.env["product.pricelist"].create(
            {"name": f"Marketplaces {currency_code}", "currency_id": currency.id}
        )

    def sale_tax(self, company, rate, included=True):
        """Find, or create, a French sales VAT of ``rate`` percent (the
        sandbox marketplaces sell in France: the order import takes the
        destination country's taxes when a product's do not agree)."""
        rate = float(rate)
        france = self.env.ref("base.fr")
        tax = (
            self.env["account.tax"]
            .search(
                [
                    ("company_id", "=", company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", rate),
                    ("country_id", "=", france.id),
                ]
            )
            .filtered(lambda t: t.price_include == included)[:1]
        )
        if tax:
            return tax
        label = f"{rate:g}"
        _ = self.env._
        return self.env["account.tax"].create(
            {
                "name": _("VAT %(rate)s%% (%(kind)s)", rate=label, kind=_("incl."))
                if included
                else _("VAT %(rate)s%%", rate=label),
                "company_id": company.id,
                "country_id": france.id,
                "tax_group_id": self.tax_group(company, rate).id,
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": rate,
                "price_include_override": "tax_included"
                if included
                else "tax_excluded",
            }
        )

    def tax_group(self, company, rate):
        """The French tax group of the ``rate`` percent VAT of ``company``
        ("VAT 20%"): each rate has its own, as invoices sum taxes by group."""
        france = self.env.ref("base.fr")
        groups = self.env["account.tax.group"]
        label = f"{float(rate):g}"
        name = self.env._("VAT %(rate)s%%", rate=label)
        group = groups.search(
            [
                ("company_id", "=", company.id),
                ("country_id", "=", france.id),
                ("name", "in", list({name, f"VAT {label}%"})),
            ],
            limit=1,
        )
        return group or groups.create(
            {"name": name, "country_id": france.id, "company_id": company.id}
        )
