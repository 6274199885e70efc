"""The accounts' ``mphub`` clients, built lazily from their settings.

A client is kept for a while after its job: its HTTP session keeps the
connections open between jobs. One per thread (a requests session is not
meant to be shared across threads) and per set of settings, so that an
account whose credentials change gets a new one at once.
"""

import hashlib
import json
import threading

import cachetools
from mphub import errors as mp_errors

from odoo.exceptions import UserError

_CLIENTS = cachetools.TTLCache(maxsize=256, ttl=900)
_CLIENTS_LOCK = threading.Lock()


def get_client(backend):
    """The client of ``backend`` (one record), built by its connector's
    ``_build_client`` from ``_client_settings`` on first use."""
    settings = backend._client_settings()
    fingerprint = hashlib.sha256(
        json.dumps(settings, sort_keys=True, default=str).encode()
    ).hexdigest()
    key = (backend.env.cr.dbname, backend.id, threading.get_ident(), fingerprint)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
    if client is None:
        try:
            client = backend._build_client(settings)
        except mp_errors.ConfigError as err:
            raise UserError(
                backend.env._("%(backend)s: %(error)s", backend=backend.name, error=err)
            ) from err
        with _CLIENTS_LOCK:
            _CLIENTS[key] = client
    return client


def drop_clients(backends):
    """Forget the clients of ``backends`` (archived accounts)."""
    dbname = backends.env.cr.dbname
    with _CLIENTS_LOCK:
        for key in [k for k in _CLIENTS if k[0] == dbname and k[1] in backends.ids]:
            _CLIENTS.pop(key, None)
