from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="mp_user",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="mp_manager",
            groups="mp_connector_base.group_mp_connector_base_manager",
        )

    def test_manager_implies_user_and_job_manager(self):
        self.assertTrue(
            self.manager.has_group("mp_connector_base.group_mp_connector_base_user")
        )
        self.assertTrue(self.manager.has_group("queue_job.group_queue_job_manager"))
        self.assertFalse(self.user.has_group("queue_job.group_queue_job_manager"))

    def test_api_key_is_manager_only(self):
        fields_user = self.env["mp.backend"].with_user(self.user).fields_get()
        fields_manager = self.env["mp.backend"].with_user(self.manager).fields_get()
        self.assertNotIn("api_key", fields_user)
        self.assertIn("api_key", fields_manager)
        self.assertIn("api_key_set", fields_user)

    def test_users_cannot_configure_accounts(self):
        backend = self.env["mp.backend"].with_user(self.user)
        with self.assertRaises(AccessError):
            backend.check_access("create")
        self.env["mp.backend"].with_user(self.manager).check_access("create")
        # users handle orders: they may replay them, not create them
        binding = self.env["mp.order.binding"].with_user(self.user)
        binding.check_access("write")
        with self.assertRaises(AccessError):
            binding.check_access("create")

    def test_other_users_still_open_orders_and_deliveries(self):
        salesman = new_test_user(
            self.env, login="plain_salesman", groups="sales_team.group_sale_salesman"
        )
        storekeeper = new_test_user(
            self.env, login="plain_storekeeper", groups="stock.group_stock_user"
        )
        orders = self.env["sale.order"].with_user(salesman)
        views = orders.get_views([(False, "form"), (False, "list"), (False, "search")])
        form = views["views"]["form"]["arch"]
        self.assertNotIn("mp_accept_state", form)
        self.assertIn(
            "mp_accept_state",
            self.env["sale.order"]
            .with_user(self.user)
            .get_views([(False, "form")])["views"]["form"]["arch"],
        )
        partner = self.env["res.partner"].create({"name": "Someone"})
        order = orders.create({"partner_id": partner.id})
        order.read(["name", "mp_external_id", "mp_commission_amount"])
        pickings = self.env["stock.picking"].with_user(storekeeper)
        pickings.get_views([(False, "form")])
        self.assertNotIn("mp_ship_state", pickings.fields_get())
