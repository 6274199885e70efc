from odoo import api, fields, models

from ..services.token_store import OdooTokenStore


class MpBackendToken(models.Model):
    """An access token a marketplace account holds (Octopia's OAuth2 token,
    the Cdiscount SOAP STS token, a Fnac ``auth`` token...), shared by every
    worker and host of the database.

    Written by ``services/token_store.py`` only, in transactions of its own;
    no user has access to it, administrators alone may read it.
    """

    _name = "mp.backend.token"
    _description = "Marketplace Access Token"
    _log_access = False

    backend_id = fields.Many2one(
        "mp.backend", required=True, ondelete="cascade", index=False
    )
    kind = fields.Char(
        required=True,
        help="What the token is for, in the connector's words: the API or its "
        "generation (rest, soap, fnac...).",
    )
    key = fields.Char(
        help="Digest of the token URL and credentials the token was issued for."
    )
    token = fields.Char(groups="base.group_system")
    expires_at = fields.Datetime()

    _sql_constraints = [
        (
            "backend_kind_unique",
            "UNIQUE (backend_id, kind)",
            "One token per account and kind.",
        )
    ]

    @api.model
    def _token_store(self, backend, kind, secret):
        """The token store of ``backend``'s ``kind`` of token, for its
        client asking tokens with ``secret``."""
        return OdooTokenStore(self.env.cr.dbname, backend.id, kind, secret)
