from datetime import timedelta

from odoo import api, fields, models

# the sandbox's shop of each kind of account (``mphub.sandbox.fnac_data``)
SANDBOX_SHOP_NAMES = {"fnac": "Sandbox Fnac", "darty": "Sandbox Darty"}


def sandbox_shop(kind="fnac"):
    """``{"partner_id", "shop_id", "key"}`` of the sandbox's Fnac or Darty
    shop (``kind``); the sandbox's keys, not secrets."""
    from mphub.sandbox.fnac_data import DEFAULT_SHOPS, PARTNER_ID

    for shop_id, name, key, *_market in DEFAULT_SHOPS:
        if name == SANDBOX_SHOP_NAMES[kind]:
            return {"partner_id": PARTNER_ID, "shop_id": shop_id, "key": key}
    raise KeyError(f"no sandbox Fnac Darty shop for {kind}")


class MpDemo(models.AbstractModel):
    _inherit = "mp.demo"

    @api.model
    def _fnac_sandbox_values(self, url=None, kind="fnac"):
        """The values of an account on the sandbox's Fnac Darty emulator at
        ``url`` (where the sandbox listens, by default), as its Fnac or
        Darty shop (``kind``)."""
        url = (url or self._sandbox_url("fnac")).rstrip("/")
        shop = sandbox_shop(kind)
        return {
            "backend_type": "fnac",
            "fnac_shop_kind": kind,
            "endpoint_url": f"{url}/api.php",
            "fnac_partner_id": shop["partner_id"],
            "fnac_shop_id": shop["shop_id"],
            "fnac_key": shop["key"],
        }

    @api.model
    def _fnac_point_to_sandbox(self, backend_ids):
        """Demo Fnac Darty accounts talk to the sandbox (``python -m
        mphub.sandbox``), each as the shop of its kind, on one partner."""
        for backend in self.env["mp.backend"].browse(backend_ids):
            backend.write(
                {
                    **self._fnac_sandbox_values(kind=backend.fnac_shop_kind or "fnac"),
                    "pricelist_id": self._sandbox_pricelist().id,
                    "import_from": fields.Datetime.now() - timedelta(days=1),
                }
            )
