import contextlib
import logging

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import REST_SECRET, SOAP_PASSWORD, CdiscountCommon

# the loggers an API call may write to, down to their debug messages
CALL_LOGGERS = ("mphub", "zeep", "urllib3", "requests", "odoo.addons")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@contextlib.contextmanager
def every_log_line():
    """Every log line written meanwhile, debug included."""
    handler = _Collect()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in CALL_LOGGERS}
    root.addHandler(handler)
    for name in CALL_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class TestCdiscountSecrets(CdiscountCommon):
    def test_credentials_are_stored_stripped(self):
        backend = self.backend.sudo()
        backend.write(
            {
                "cdiscount_client_id": " pasted-client\n",
                "cdiscount_client_secret": "pasted-secret \r\n",
                "cdiscount_login": "\tshop-api ",
                "cdiscount_password": " \n",
            }
        )
        self.assertEqual(backend.cdiscount_client_id, "pasted-client")
        self.assertEqual(backend.cdiscount_client_secret, "pasted-secret")
        self.assertEqual(backend.cdiscount_login, "shop-api")
        self.assertFalse(backend.cdiscount_password)

    def test_credentials_are_for_managers_only(self):
        user = new_test_user(
            self.env,
            login="cdiscount_user",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        backend = self.backend.with_user(user)
        self.assertTrue(backend.cdiscount_credentials_set)
        for name in (
            "cdiscount_client_id",
            "cdiscount_client_secret",
            "cdiscount_login",
            "cdiscount_password",
        ):
            with self.assertRaises(AccessError):
                backend.read([name])
        self.assertNotIn("cdiscount_client_secret", backend.fields_get())
        # the tokens are administrators' only
        self.backend.action_test_connection()
        with self.assertRaises(AccessError):
            self.env["mp.backend.token"].with_user(user).search([])
        manager = new_test_user(
            self.env,
            login="cdiscount_manager",
            groups="mp_connector_base.group_mp_connector_base_manager",
        )
        with self.assertRaises(AccessError):
            self.env["mp.backend.token"].with_user(manager).search([])

    def test_secrets_stay_out_of_logs_and_chatter(self):
        self.create_orders(2)
        soap = self._create_backend("Cdiscount SOAP secrets", "soap")
        with every_log_line() as lines:
            self.import_orders()
            soap.action_test_connection()
            soap.sudo().cdiscount_password = "not-the-password"
            with self.assertRaises(UserError) as err:
                soap.action_test_connection()
        tokens = self.env["mp.backend.token"].sudo().search([]).mapped("token")
        self.assertTrue(tokens)
        self.assertTrue(lines)
        texts = [
            "\n".join(lines),
            str(err.exception),
            *(self.backend | soap).message_ids.mapped("body"),
            *self.env["mp.sync.event"].search([]).mapped("message"),
            *self.env["mp.sync.run"].search([]).mapped("message"),
        ]
        secrets = [REST_SECRET, SOAP_PASSWORD, "not-the-password", *tokens]
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, str(text or ""))
