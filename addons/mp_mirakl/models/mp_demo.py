from mphub.mirakl.profiles import get_profile

from odoo import api, models


def sandbox_api_key(operator):
    """The API key of the sandbox shop of a Mirakl ``operator`` profile
    (``mphub.sandbox.mirakl.DEFAULT_SHOPS``: "Carrefour sandbox shop"...),
    empty when the sandbox has no shop for it."""
    from mphub.sandbox.mirakl import DEFAULT_SHOPS

    name = get_profile(operator).name
    for _shop_id, shop_name, key in DEFAULT_SHOPS:
        if shop_name == f"{name} sandbox shop":
            return key
    return ""


class MpDemo(models.AbstractModel):
    _inherit = "mp.demo"

    @api.model
    def _mirakl_point_to_sandbox(self, backend_ids):
        """Demo Mirakl accounts talk to the sandbox (``python -m
        mphub.sandbox``), as the shop of their operator, and get its
        presets."""
        backends = self.env["mp.backend"].browse(backend_ids)
        for backend in backends:
            backend.write(
                {
                    "endpoint_url": self._sandbox_url("mirakl"),
                    "api_key": sandbox_api_key(backend.mirakl_operator),
                    "pricelist_id": self._sandbox_pricelist().id,
                }
            )
        backends.action_mirakl_apply_profile()
