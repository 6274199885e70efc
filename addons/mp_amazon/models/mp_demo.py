from datetime import timedelta

from odoo import api, fields, models

SANDBOX_SELLER = "A1SANDBOXSELLER1"


class MpDemo(models.AbstractModel):
    _inherit = "mp.demo"

    @api.model
    def _amazon_sandbox_values(self, url=None, seller_id=SANDBOX_SELLER):
        """The values of an account on the sandbox's Amazon emulator at
        ``url`` (where the sandbox listens, by default), as one of its
        sellers (``mphub.sandbox.amazon.SELLERS``)."""
        from mphub.sandbox import amazon

        url = url or self._sandbox_url("amazon")
        return {
            "backend_type": "amazon",
            "endpoint_url": url,
            "amazon_lwa_url": f"{url}/auth/o2/token",
            "amazon_lwa_client_id": amazon.LWA_CLIENT_ID,
            "amazon_lwa_client_secret": amazon.LWA_CLIENT_SECRET,
            "amazon_refresh_token": amazon.SELLERS[seller_id],
            "amazon_seller_id": seller_id,
        }

    @api.model
    def _amazon_point_to_sandbox(self, backend_ids):
        """Demo Amazon accounts talk to the sandbox (``python -m
        mphub.sandbox``) and map the demo's shipping methods."""
        backends = self.env["mp.backend"].browse(backend_ids)
        backends.write(
            {
                **self._amazon_sandbox_values(),
                "pricelist_id": self._sandbox_pricelist().id,
                "import_from": fields.Datetime.now() - timedelta(days=1),
            }
        )
        backends.action_amazon_map_carriers()
