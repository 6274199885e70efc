from datetime import datetime, timedelta

from odoo.exceptions import UserError

from .common import FnacCommon


class TestFnacTokens(FnacCommon):
    def two_clients(self, backend=None):
        """Two clients of ``backend``, as two workers would have."""
        backend = backend or self.backend
        settings = backend._client_settings()
        return backend._build_client(settings), backend._build_client(settings)

    def token_row(self, backend=None):
        # the store writes on a cursor of its own: read the row afresh
        self.env.invalidate_all()
        return (
            self.env["mp.backend.token"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", (backend or self.backend).id),
                    ("kind", "=", "fnac"),
                ]
            )
        )

    def test_clients_of_an_account_share_one_token(self):
        first, second = self.two_clients()
        before = self.calls("auth")
        first.list_carriers()
        second.list_carriers()
        first.list_carriers()
        self.assertEqual(self.calls("auth") - before, 1)
        row = self.token_row()
        self.assertEqual(len(row), 1)
        self.assertTrue(row.token)
        self.assertGreater(row.expires_at, datetime.now())
        # the other shop of the partner has a token of its own
        darty = self._create_backend("Darty tokens", "darty")
        darty.action_test_connection()
        self.assertEqual(self.calls("auth") - before, 2)
        self.assertNotEqual(self.token_row(darty).token, row.token)

    def test_a_token_fnac_expired_is_renewed(self):
        (order_id,) = self.create_orders(1)
        first, second = self.two_clients()
        first.test_connection()
        row = self.token_row()
        old = row.token
        # Fnac forgets the token before its validity: the next call is
        # refused, the client authenticates again and the call goes through
        self.fnac.expire_tokens()
        before = self.calls("auth")
        run = self.import_orders()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(self.binding(order_id).state, "done")
        self.assertEqual(self.calls("auth") - before, 1)
        self.assertNotEqual(self.token_row().token, old)
        # the other worker takes the new token: no new authentication
        second.list_carriers()
        self.assertEqual(self.calls("auth") - before, 1)

    def test_a_token_about_to_expire_is_renewed_first(self):
        first, second = self.two_clients()
        first.test_connection()
        row = self.token_row()
        old = row.token
        self.env.cr.execute(
            "UPDATE mp_backend_token SET expires_at = %s WHERE id = %s",
            (datetime.now() + timedelta(minutes=1), row.id),
        )
        before = self.calls("auth")
        second.list_carriers()
        self.assertEqual(self.calls("auth") - before, 1)
        row = self.token_row()
        self.assertNotEqual(row.token, old)
        self.assertGreater(row.expires_at, datetime.now() + timedelta(minutes=30))

    def test_a_new_key_is_not_given_the_old_keys_token(self):
        self.backend.action_test_connection()
        before = self.calls("auth")
        # another key (Fnac renewed it, or a typo): the token the old key got
        # is not taken for it, the new key is asked about
        self.backend.sudo().fnac_key = "1a2b3c4d-0000-4000-8000-000000000bad"
        with self.assertRaises(UserError):
            self.backend.action_test_connection()
        self.assertEqual(self.calls("auth") - before, 1)
