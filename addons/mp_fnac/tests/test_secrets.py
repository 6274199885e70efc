from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from ..models.mp_demo import sandbox_shop
from .common import FnacCommon


class TestFnacSecrets(FnacCommon):
    def tokens(self):
        # the store writes on a cursor of its own: read the rows afresh
        self.env.invalidate_all()
        return (
            self.env["mp.backend.token"]
            .sudo()
            .search([("backend_id", "=", self.backend.id), ("kind", "=", "fnac")])
        )

    def test_the_key_is_stored_stripped(self):
        backend = self.backend.sudo()
        backend.fnac_key = " pasted-key\r\n"
        self.assertEqual(backend.fnac_key, "pasted-key")
        backend.fnac_key = " \n"
        self.assertFalse(backend.fnac_key)
        self.assertFalse(backend.fnac_key_set)

    def test_the_key_and_tokens_are_for_managers_only(self):
        user = new_test_user(
            self.env,
            login="fnac_user",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        backend = self.backend.with_user(user)
        self.assertTrue(backend.fnac_key_set)
        # the shop's identifiers are not secret, its key is
        self.assertTrue(backend.fnac_shop_id)
        with self.assertRaises(AccessError):
            backend.read(["fnac_key"])
        self.assertNotIn("fnac_key", backend.fields_get())
        # the tokens are administrators' only
        self.backend.action_test_connection()
        self.assertTrue(self.tokens())
        manager = new_test_user(
            self.env,
            login="fnac_manager",
            groups="mp_connector_base.group_mp_connector_base_manager",
        )
        self.assertIn("fnac_key", self.backend.with_user(manager).fields_get())
        for person in (user, manager):
            with self.assertRaises(AccessError):
                self.env["mp.backend.token"].with_user(person).search([])

    def test_secrets_stay_out_of_logs_and_chatter(self):
        self.create_orders(3)
        key = sandbox_shop("fnac")["key"]
        # every log line, debug included (the client's transport logs its
        # calls at debug level)
        with self.assertLogs(level="DEBUG") as logs:
            self.import_orders()
            tokens = set(self.tokens().mapped("token"))
            # expired by Fnac: refused, renewed, as secret as the old one
            self.fnac.expire_tokens()
            self.create_orders(1)
            self.import_orders()
            tokens.update(self.tokens().mapped("token"))
            self.backend.sudo().fnac_key = "0f1e2d3c-0000-4000-8000-00000000dead"
            with self.assertRaises(UserError) as err:
                self.backend.action_test_connection()
        self.assertEqual(len(tokens), 2)
        # the calls were logged, down to the transport's debug lines
        self.assertTrue([line for line in logs.output if ":mphub." in line])
        texts = [
            # (but the SQL statements' log: it shows what the database stores)
            *(line for line in logs.output if ":odoo.sql_db:" not in line),
            str(err.exception),
            *self.backend.message_ids.mapped("body"),
            *self.bindings().sale_order_id.message_ids.mapped("body"),
            *self.env["mp.sync.event"].search([]).mapped("message"),
            *self.env["mp.sync.run"].search([]).mapped("message"),
        ]
        secrets = [key, "0f1e2d3c-0000-4000-8000-00000000dead", *tokens]
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, str(text or ""))
