from datetime import datetime, timedelta

from odoo.exceptions import UserError

from .common import CdiscountCommon


class TestCdiscountTokens(CdiscountCommon):
    def two_clients(self, backend):
        """Two clients of ``backend``, as two workers would have."""
        settings = backend._client_settings()
        return backend._build_client(settings), backend._build_client(settings)

    def token_row(self, backend, kind):
        return (
            self.env["mp.backend.token"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("kind", "=", kind)])
        )

    def asked(self, operation):
        return self.cdiscount.stats.calls(operation)

    def test_clients_of_an_account_share_one_token(self):
        for generation, operation in (("rest", "token"), ("soap", "sts")):
            backend = self._create_backend(f"Cdiscount {generation} shared", generation)
            first, second = self.two_clients(backend)
            before = self.asked(operation)
            first.test_connection()
            second.test_connection()
            first.test_connection()
            self.assertEqual(self.asked(operation) - before, 1, generation)
            row = self.token_row(backend, generation)
            self.assertTrue(row.token)
            self.assertGreater(row.expires_at, datetime.now())

    def test_an_expired_token_is_renewed(self):
        for generation, operation in (("rest", "token"), ("soap", "sts")):
            backend = self._create_backend(f"Cdiscount {generation} renew", generation)
            first, second = self.two_clients(backend)
            first.test_connection()
            row = self.token_row(backend, generation)
            old = row.token
            # another worker finds it about to expire: it asks a new one
            self.env.cr.execute(
                "UPDATE mp_backend_token SET expires_at = %s WHERE id = %s",
                (datetime.now() + timedelta(minutes=1), row.id),
            )
            before = self.asked(operation)
            second.test_connection()
            self.assertEqual(self.asked(operation) - before, 1, generation)
            row.invalidate_recordset()
            self.assertNotEqual(row.token, old)
            self.assertGreater(row.expires_at, datetime.now() + timedelta(minutes=30))
            # the first client takes the new one
            first.test_connection()
            self.assertEqual(self.asked(operation) - before, 1, generation)

    def test_a_refused_token_is_dropped_and_asked_again(self):
        first, _second = self.two_clients(self.backend)
        first.test_connection()
        row = self.token_row(self.backend, "rest")
        row.token = "revoked-token"
        self.env.flush_all()
        before = self.asked("token")
        first.test_connection()
        self.assertEqual(self.asked("token") - before, 1)
        self.assertNotIn(
            self.token_row(self.backend, "rest").token, (False, "revoked-token")
        )

    def test_new_credentials_get_a_new_token(self):
        soap = self._create_backend("Cdiscount SOAP password", "soap")
        soap.action_test_connection()
        before = self.asked("sts")
        soap.sudo().cdiscount_password = "a-new-password"
        # the token of the old password is not taken for the new one
        with self.assertRaises(UserError):
            soap.action_test_connection()
        self.assertEqual(self.asked("sts") - before, 1)
