"""The access tokens of the marketplace accounts, kept in the database
(``mp.backend.token``) so that every worker and host of the database shares
them.

Octopia's token endpoint gives a few hundred tokens an hour per client, the
Cdiscount SOAP STS token lasts 48 hours, a Fnac ``auth`` token lasts until
its validity: a token asked for by one worker serves every other. One row
per account and ``kind`` (a connector's name for the API or generation the
token is for: "rest", "soap", "fnac"...). Rows are read and written in a
transaction of their own (a new cursor committed at once), so that a job
rolled back keeps the token it got, and a row lock lasts one statement.
"""

import hashlib
import json
import logging
import threading
from datetime import UTC

from psycopg2 import Error as DatabaseError

from odoo.modules.registry import Registry
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def key_digest(key, secret=""):
    """What is stored of a token's key (the token URL and the client id or
    login) and of the credentials' ``secret``: a digest, so that a token
    asked with other credentials (a new password) is never taken for this
    one."""
    text = json.dumps([key, secret], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class OdooTokenStore:
    """``mphub.tokens.TokenStore`` of one account's ``kind`` of token, one
    row of ``mp_backend_token``; ``secret``: the client secret, password or
    key the tokens are asked with.

    A database failure never fails the API call: the token is then kept in
    this process only, as the default memory store would.
    """

    def __init__(self, dbname, backend_id, kind, secret=""):
        self.dbname = dbname
        self.backend_id = backend_id
        self.kind = kind
        self._secret = secret
        self._fallback = {}
        self._lock = threading.Lock()

    def _cursor(self):
        # a cursor of its own: committed when the block ends
        return Registry(self.dbname).cursor()

    def get(self, key):
        """``(token, expires_at)`` for ``key``, None when none is stored."""
        digest = key_digest(key, self._secret)
        try:
            with self._cursor() as cr:
                cr.execute(
                    SQL(
                        "SELECT key, token, expires_at FROM mp_backend_token "
                        "WHERE backend_id = %s AND kind = %s",
                        self.backend_id,
                        self.kind,
                    )
                )
                row = cr.fetchone()
        except DatabaseError as err:
            _logger.info("Token store unavailable: %s", type(err).__name__)
            row = None
        if not row or row[0] != digest or not row[1] or not row[2]:
            with self._lock:
                return self._fallback.get(digest)
        return row[1], row[2].replace(tzinfo=UTC)

    def put(self, key, token, expires_at):
        """Keep ``token`` for ``key`` until ``expires_at`` (aware)."""
        digest = key_digest(key, self._secret)
        expires = expires_at.astimezone(UTC).replace(tzinfo=None)
        stored = False
        try:
            with self._cursor() as cr:
                # an account another transaction has not committed yet (or
                # deleted) has no row: the token then stays in this process
                cr.execute(
                    SQL(
                        """
                        INSERT INTO mp_backend_token
                               (backend_id, kind, key, token, expires_at)
                        SELECT id, %(kind)s, %(key)s, %(token)s, %(expires)s
                          FROM mp_backend WHERE id = %(backend)s
                        ON CONFLICT (backend_id, kind) DO UPDATE
                           SET key = EXCLUDED.key, token = EXCLUDED.token,
                               expires_at = EXCLUDED.expires_at
                        """,
                        backend=self.backend_id,
                        kind=self.kind,
                        key=digest,
                        token=token,
                        expires=expires,
                    )
                )
                stored = bool(cr.rowcount)
        except DatabaseError as err:
            _logger.info("Token kept in memory: %s", type(err).__name__)
        with self._lock:
            if stored:
                self._fallback.pop(digest, None)
            else:
                self._fallback[digest] = (token, expires_at)

    def drop(self, key, token):
        """Forget ``token`` (refused by the marketplace); a newer token another
        worker stored meanwhile stays."""
        digest = key_digest(key, self._secret)
        with self._lock:
            if self._fallback.get(digest, (None,))[0] == token:
                del self._fallback[digest]
        try:
            with self._cursor() as cr:
                cr.execute(
                    SQL(
                        "DELETE FROM mp_backend_token WHERE backend_id = %s "
                        "AND kind = %s AND token = %s",
                        self.backend_id,
                        self.kind,
                        token,
                    )
                )
        except DatabaseError as err:
            _logger.info("Token store unavailable: %s", type(err).__name__)
