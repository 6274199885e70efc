from odoo import api, models

from ..services.sandbox_demo import SandboxDemo, sandbox_url


class MpDemo(models.AbstractModel):
    """Entry point of the demo data: accounts on the sandbox marketplaces,
    what they sell, and what they need. Only demo data and tests call it;
    each connector adds how its demo accounts reach the sandbox."""

    _name = "mp.demo"
    _description = "Marketplace Demo Set-up"

    @api.model
    def _skip_company_enrichment(self):
        SandboxDemo(self.env).skip_company_enrichment()

    @api.model
    def _load_sandbox_catalog(
        self, size=60, quantity=50, seed=42, company=None, start=0
    ):
        """The products the sandbox marketplaces sell, ``quantity`` units of
        each in stock (``SandboxDemo.load_catalog``)."""
        return SandboxDemo(self.env).load_catalog(
            size=size, quantity=quantity, seed=seed, company=company, start=start
        )

    @api.model
    def _sandbox_pricelist(self, currency_code="EUR"):
        return SandboxDemo(self.env).pricelist(currency_code)

    @api.model
    def _sandbox_sale_tax(self, company, rate, included=True):
        return SandboxDemo(self.env).sale_tax(company, rate, included=included)

    @api.model
    def _sandbox_url(self, emulator):
        return sandbox_url(emulator)
