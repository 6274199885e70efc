from odoo import api, fields, models

from ..services.token_store import OdooTokenStore


class MpCdiscountToken(models.Model):
    """The access token a Cdiscount account holds for its API generation
    (Octopia's OAuth2 token, or the SOAP STS token), shared by every worker.

    Written by ``services/token_store.py`` only, in transactions of its own;
    administrators alone may read it.
    """

    _name = "mp.cdiscount.token"
    _description = "Cdiscount Access Token"
    _log_access = False

    backend_id = fields.Many2one(
        "mp.backend", required=True, ondelete="cascade", index=False
    )
    kind = fields.Selection([("rest", "Octopia REST"), ("soap", "SOAP")], required=True)
    key = fields.Char(
        help="Digest of the token URL and credentials the token was issued for."
    )
    token = fields.Char(groups="base.group_system")
    expires_at = fields.Datetime()

    _sql_constraints = [
        (
            "backend_kind_unique",
            "UNIQUE (backend_id, kind)",
            "One token per account and API generation.",
        )
    ]

    @api.model
    def _token_store(self, backend, kind, secret):
        """The token store of ``backend``'s ``kind`` of API, for its client
        asking tokens with ``secret``."""
        return OdooTokenStore(self.env.cr.dbname, backend.id, kind, secret)
