"""The access tokens of the accounts, shared by every worker through
``mp.backend.token`` (``services/token_store.py``)."""

from datetime import UTC, datetime, timedelta

from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import new_test_user

from odoo.addons.mp_connector_base.services.token_store import (
    OdooTokenStore,
    key_digest,
)

from .fake_common import FakeConnectorCase


class TestTokenStore(FakeConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the store's cursors of their own work inside the test's transaction
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)

    def token_row(self, kind):
        return (
            self.env["mp.backend.token"]
            .sudo()
            .search([("backend_id", "=", self.backend.id), ("kind", "=", kind)])
        )

    def test_store_keeps_one_row_per_account_and_kind(self):
        store = self.env["mp.backend.token"]._token_store(self.backend, "rest", "s3")
        key = ("https://auth.example/token", "client")
        self.assertIsNone(store.get(key))
        expires = datetime.now(UTC) + timedelta(hours=2)
        store.put(key, "first", expires)
        store.put(key, "second", expires)
        self.assertEqual(store.get(key), ("second", expires))
        row = self.token_row("rest")
        self.assertEqual(len(row), 1)
        self.assertEqual(row.key, key_digest(key, "s3"))
        self.assertNotIn("s3", row.key)
        # another kind of token of the account has its own row
        other_kind = OdooTokenStore(self.env.cr.dbname, self.backend.id, "fnac", "s3")
        self.assertIsNone(other_kind.get(key))
        other_kind.put(key, "fnac-token", expires)
        self.assertEqual(store.get(key)[0], "second")
        self.assertEqual(self.token_row("fnac").token, "fnac-token")
        # a token of other credentials is not this key's
        self.assertIsNone(store.get(("https://auth.example/token", "other")))
        other_secret = OdooTokenStore(
            self.env.cr.dbname, self.backend.id, "rest", "new-secret"
        )
        self.assertIsNone(other_secret.get(key))
        # dropping an older token keeps the newer one another worker put
        store.drop(key, "first")
        self.assertEqual(store.get(key)[0], "second")
        store.drop(key, "second")
        self.assertIsNone(store.get(key))

    def test_a_token_of_an_account_not_committed_stays_in_memory(self):
        # another transaction's account (or a deleted one) has no row to hold
        # the token: this process keeps it, without a database error
        missing = self.env["mp.backend"].search([], order="id desc", limit=1).id + 1000
        store = OdooTokenStore(self.env.cr.dbname, missing, "soap", "pw")
        key = ("https://sts.example/", "shop-api")
        expires = datetime.now(UTC) + timedelta(hours=48)
        store.put(key, "kept", expires)
        self.assertEqual(store.get(key), ("kept", expires))
        self.assertFalse(
            self.env["mp.backend.token"].sudo().search([("backend_id", "=", missing)])
        )
        store.drop(key, "kept")
        self.assertIsNone(store.get(key))

    def test_tokens_are_for_administrators_only(self):
        store = self.env["mp.backend.token"]._token_store(self.backend, "rest", "s3")
        store.put(("u", "c"), "secret-token", datetime.now(UTC) + timedelta(hours=1))
        manager = new_test_user(
            self.env,
            login="token_manager",
            groups="mp_connector_base.group_mp_connector_base_manager",
        )
        with self.assertRaises(AccessError):
            self.env["mp.backend.token"].with_user(manager).search([])
        admin = new_test_user(self.env, login="token_admin", groups="base.group_system")
        rows = self.env["mp.backend.token"].with_user(admin).search([])
        self.assertIn("secret-token", rows.mapped("token"))
        # a neutralized database forgets them
        for query in get_neutralization_queries(["mp_connector_base"]):
            self.env.cr.execute(query)
        self.assertFalse(self.env["mp.backend.token"].sudo().search([]))
