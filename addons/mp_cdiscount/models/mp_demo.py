from datetime import timedelta

from odoo import api, fields, models

SANDBOX_SELLER = "98979"


def sandbox_seller(seller_id):
    """``(client id, client secret, login, password)`` of the sandbox's
    Cdiscount seller ``seller_id`` (``mphub.sandbox.cdiscount_store``)."""
    from mphub.sandbox.cdiscount_store import DEFAULT_SELLERS

    for number, _name, *credentials in DEFAULT_SELLERS:
        if str(number) == str(seller_id):
            return tuple(credentials)
    raise KeyError(f"no sandbox Cdiscount seller {seller_id}")


class MpDemo(models.AbstractModel):
    _inherit = "mp.demo"

    @api.model
    def _cdiscount_sandbox_values(self, url=None, seller_id=SANDBOX_SELLER, api="rest"):
        """The values of an account on the sandbox's Cdiscount emulator at
        ``url`` (where the sandbox listens, by default), as its seller
        ``seller_id``, talking to its ``api`` ("rest" or "soap")."""
        url = (url or self._sandbox_url("cdiscount")).rstrip("/")
        client_id, client_secret, login, password = sandbox_seller(seller_id)
        return {
            "backend_type": "cdiscount",
            "cdiscount_api": api,
            "endpoint_url": f"{url}/seller/v2",
            "cdiscount_auth_url": (
                f"{url}/auth/realms/maas/protocol/openid-connect/token"
            ),
            "cdiscount_soap_url": f"{url}/MarketplaceAPIService.svc",
            "cdiscount_sts_url": f"{url}/users/httpIssue.svc/",
            "cdiscount_seller_id": str(seller_id),
            "cdiscount_client_id": client_id,
            "cdiscount_client_secret": client_secret,
            "cdiscount_login": login,
            "cdiscount_password": password,
        }

    @api.model
    def _cdiscount_point_to_sandbox(self, backend_ids):
        """Demo Cdiscount accounts talk to the sandbox (``python -m
        mphub.sandbox``), each as its seller and with its API."""
        for backend in self.env["mp.backend"].browse(backend_ids):
            backend.write(
                {
                    **self._cdiscount_sandbox_values(
                        seller_id=backend.cdiscount_seller_id or SANDBOX_SELLER,
                        api=backend.cdiscount_api,
                    ),
                    "pricelist_id": self._sandbox_pricelist().id,
                    "import_from": fields.Datetime.now() - timedelta(days=1),
                }
            )
