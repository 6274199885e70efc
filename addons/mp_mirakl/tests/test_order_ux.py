"""What people see of marketplace orders, above all of an order in error:
fixing its products from the order, the replay's feedback, the activity, the
buttons offered, the reasons, the filters and the sales channel."""

import copy
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval
from odoo.tools.translate import code_translations

from .common import MiraklCommon

ERROR_ACTIVITY = "mp_connector_base.mail_activity_type_order_error"
BINDING_LOGGER = "odoo.addons.mp_connector_base.models.mp_order_binding"


class TestOrderUx(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mp_user = new_test_user(
            cls.env,
            login="mp_order_user",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        cls.error_type = cls.env.ref(ERROR_ACTIVITY)

    # -- helpers ------------------------------------------------------------
    def unknown_sku_order(self):
        self.create_orders(1, unknown_sku_share=1.0)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual((binding.state, binding.error_kind), ("error", "product"))
        return binding

    def clone(self, binding, suffix):
        """Another order of the same account waiting for the same SKU."""
        raw = copy.deepcopy(binding.raw_payload)
        raw["order_id"] = f"{raw['order_id']}-{suffix}"
        for line in raw["order_lines"]:
            line["order_line_id"] = f"{line['order_line_id']}-{suffix}"
        bindings = self.env["mp.order.binding"]
        stats = bindings._store_raw_orders(self.backend, [raw])
        stats["to_process"]._process_bindings()
        return bindings.search(
            [
                ("backend_id", "=", self.backend.id),
                ("external_id", "=", raw["order_id"]),
            ]
        )

    def error_activities(self, binding):
        return binding.activity_ids.filtered(
            lambda a: a.activity_type_id == self.error_type
        )

    def product_wizard(self, binding, mode, user=None):
        env = binding.with_user(user).env if user else self.env
        action = (
            binding.with_env(env)
            .with_context(mp_product_mode=mode)
            .action_open_product_wizard()
        )
        return Form(
            env[action["res_model"]].with_context(**action["context"]),
        )

    def visible_buttons(self, binding):
        """(name, string, primary) of the form's header buttons the web client
        shows for ``binding``: their ``invisible`` expressions evaluated on the
        record's values."""
        arch = etree.fromstring(
            self.env["mp.order.binding"].get_views([(False, "form")])["views"]["form"][
                "arch"
            ]
        )
        values = {
            name: binding[name].id if name == "sale_order_id" else binding[name]
            for name in (
                "state",
                "error_kind",
                "missing_skus",
                "order_status",
                "accept_state",
                "ship_state",
                "sale_order_id",
            )
        }
        shown = []
        for button in arch.xpath("//header/button"):
            expression = button.get("invisible")
            if expression and safe_eval(expression, values):
                continue
            shown.append(
                (
                    button.get("name"),
                    button.get("string"),
                    "btn-primary" in (button.get("class") or ""),
                )
            )
        return shown

    # -- fixing unknown products from the order -------------------------------
    def test_link_an_unknown_sku_to_a_product_from_the_order(self):
        binding = self.unknown_sku_order()
        other = self.clone(binding, "B")
        self.assertEqual((other.state, other.error_kind), ("error", "product"))
        sku = binding.missing_sku_ids.sku
        raw_line = next(
            line
            for line in binding.raw_payload["order_lines"]
            if line["offer_sku"] == sku
        )
        product = self.products[3]
        with self.trap_jobs() as trap:
            # a marketplace user, no product manager, may link
            form = self.product_wizard(binding, "link", user=self.mp_user)
            self.assertEqual(len(form.line_ids), 1)
            with form.line_ids.edit(0) as line:
                self.assertEqual(line.sku, sku)
                self.assertEqual(line.title, raw_line["product_title"])
                self.assertAlmostEqual(line.price, raw_line["price_unit"])
                self.assertEqual(line.action, "link")
                line.product_id = product
            action = form.save().action_apply()
            # the order itself is imported at once
            self.assertEqual(binding.state, "done", binding.error_message)
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual(action["params"]["type"], "success")
            # the other order waiting for the SKU follows in the background
            self.assertEqual(other.state, "new")
            self.run_jobs(trap)
        self.assertEqual(other.state, "done", other.error_message)
        offer = self.offers().filtered(lambda o: o.seller_sku == sku)
        self.assertEqual(offer.product_id, product)
        self.assertEqual(offer.marketplace_product_id, raw_line["product_sku"])
        for order in binding | other:
            self.assertIn(product, order.sale_order_id.order_line.product_id)
        self.assertTrue(
            binding.message_ids.filtered(lambda m: product.display_name in m.body)
        )

    def test_create_the_unknown_product_from_the_order(self):
        binding = self.unknown_sku_order()
        sku = binding.missing_sku_ids.sku
        raw_line = next(
            line
            for line in binding.raw_payload["order_lines"]
            if line["offer_sku"] == sku
        )
        with self.trap_jobs() as trap:
            form = self.product_wizard(binding, "create")
            with form.line_ids.edit(0) as line:
                self.assertEqual(line.action, "create")
                line.ean = "2000000000015"
            form.save().action_apply()
            self.run_jobs(trap)
        self.assertEqual(binding.state, "done", binding.error_message)
        product = self.env["product.product"].search([("default_code", "=", sku)])
        self.assertEqual(len(product), 1)
        self.assertEqual(product.name, raw_line["product_title"])
        self.assertEqual(product.barcode, "2000000000015")
        self.assertAlmostEqual(product.list_price, raw_line["price_unit"])
        self.assertTrue(product.is_storable)
        self.assertIn(product, binding.sale_order_id.order_line.product_id)

    def test_a_user_without_product_rights_cannot_create_products(self):
        binding = self.unknown_sku_order()
        form = self.product_wizard(binding, "create", user=self.mp_user)
        with self.assertRaises(UserError):
            form.save().action_apply()
        self.assertEqual(binding.state, "error")

    # -- replay feedback ------------------------------------------------------
    def test_replay_says_how_it_went(self):
        self.create_orders(1, malformed_share=1.0)
        self.import_orders()
        binding = self.bindings()
        reason = binding.error_message
        action = binding.with_user(self.mp_user).action_replay()
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(reason, action["params"]["message"])
        # the form reloads after the toast
        self.assertEqual(
            action["params"]["next"]["type"], "ir.actions.act_window_close"
        )
        note = binding.message_ids[0]
        self.assertIn(self.mp_user.name, note.body)
        self.assertIn("still in error", note.body)

    def test_replay_of_a_fixed_order_says_it_is_imported(self):
        (order_id,) = self.create_orders(1, lines=(1, 1))
        taxes = self.env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("company_id", "=", self.env.company.id)]
        )
        taxes.active = False
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.error_kind, "config")
        taxes.active = True
        action = binding.action_replay()
        self.assertEqual(binding.state, "done")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(binding.sale_order_id.name, action["params"]["message"])
        self.assertIn(binding.sale_order_id.name, binding.message_ids[0].body)

    # -- the activity of an order in error ----------------------------------
    def test_one_activity_per_order_in_error_done_once_imported(self):
        salesperson = new_test_user(
            self.env, login="mp_salesperson", groups="sales_team.group_sale_salesman"
        )
        self.backend.user_id = salesperson
        binding = self.unknown_sku_order()
        activity = self.error_activities(binding)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, salesperson)
        self.assertIn(binding.missing_skus, activity.note)
        binding.action_replay()
        binding.action_replay()
        self.assertEqual(self.error_activities(binding), activity)
        with self.trap_jobs() as trap:
            self.env["mp.offer.binding"].create(
                {
                    "backend_id": self.backend.id,
                    "seller_sku": binding.missing_sku_ids.sku,
                    "product_id": self.products[0].id,
                }
            )
            self.run_jobs(trap)
        self.assertEqual(binding.state, "done")
        self.assertFalse(self.error_activities(binding))
        done = self.env["mail.message"].search(
            [
                ("model", "=", binding._name),
                ("res_id", "=", binding.id),
                ("mail_activity_type_id", "=", self.error_type.id),
            ]
        )
        self.assertEqual(len(done), 1)
        self.assertIn(binding.sale_order_id.name, done.body)

    def test_orders_stored_in_error_get_their_activity_too(self):
        self.create_orders(1, malformed_share=1.0)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.error_kind, "data")
        self.assertEqual(len(self.error_activities(binding)), 1)

    # -- what the form offers -------------------------------------------------
    def test_form_buttons_make_sense_in_the_state(self):
        self.backend.accept_mode = "manual"
        self.create_orders(2, unknown_sku_share=0.5)
        self.import_orders()
        unknown = self.bindings().filtered(lambda b: b.state == "error")
        imported = self.bindings() - unknown
        self.assertEqual(imported.accept_state, "to_decide")

        buttons = self.visible_buttons(unknown)
        names = [name for name, _string, _primary in buttons]
        self.assertNotIn("action_accept", names, "no sale order to accept")
        self.assertIn("action_open_product_wizard", names)
        primary = [(name, string) for name, string, primary in buttons if primary]
        self.assertEqual(primary, [("action_open_product_wizard", "Link to Products")])
        self.assertIn(("action_replay", "Replay", False), buttons)
        with self.assertRaises(UserError):
            unknown.action_accept()

        buttons = self.visible_buttons(imported)
        primary = [name for name, _string, primary in buttons if primary]
        self.assertEqual(primary, ["action_accept"])
        names = {name for name, _string, _primary in buttons}
        self.assertIn("action_refuse", names)
        self.assertFalse(names & {"action_replay", "action_open_product_wizard"})

        self.create_orders(1, malformed_share=1.0)
        self.import_orders()
        malformed = self.bindings().filtered(lambda b: b.error_kind == "data")
        buttons = self.visible_buttons(malformed)
        primary = [name for name, _string, primary in buttons if primary]
        self.assertEqual(primary, ["action_replay"])
        self.assertNotIn(
            "action_open_product_wizard", {name for name, _s, _p in buttons}
        )

    def test_people_read_labels_not_codes(self):
        self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.marketplace_state, "WAITING_ACCEPTANCE")
        self.assertEqual(binding.marketplace_state_id.code, "WAITING_ACCEPTANCE")
        self.assertEqual(binding.marketplace_state_label, "Waiting for acceptance")
        self.create_orders(1, state="CLOSED")
        self.import_orders()
        skipped = self.bindings().filtered(lambda b: b.state == "skipped")
        self.assertIn("Closed", skipped.error_message)
        self.assertNotIn("CLOSED", skipped.error_message)

    # -- reasons --------------------------------------------------------------
    def test_a_database_error_reads_as_a_sentence(self):
        self.create_orders(1)
        sale_order_class = type(self.env["sale.order"])

        def confirm(orders):
            # a NOT NULL violation, as a buggy customisation would cause
            orders.env.cr.execute(
                "INSERT INTO mp_order_missing_sku (sku) VALUES ('x')",
                log_exceptions=False,
            )

        with (
            patch.object(sale_order_class, "_action_confirm", confirm),
            mute_logger(BINDING_LOGGER),
        ):
            self.import_orders()
        binding = self.bindings()
        self.assertEqual((binding.state, binding.error_kind), ("error", "other"))
        reason = binding.error_message
        self.assertTrue(reason.startswith("A value the sale order needs is missing."))
        for technical in ("null value", "violates", "mp_order_missing_sku", "INSERT"):
            self.assertNotIn(technical, reason)
        # managers keep the technical text, in a page only they see
        self.assertIn("mp_order_missing_sku", binding.error_details)
        arch = etree.fromstring(
            self.env["mp.order.binding"].get_views([(False, "form")])["views"]["form"][
                "arch"
            ]
        )
        for name in ("error_details", "raw_payload_text"):
            (page,) = arch.xpath(f"//field[@name='{name}']/ancestor::page")
            self.assertEqual(page.get("name"), "technical")
        user_arch = (
            self.env["mp.order.binding"]
            .with_user(self.mp_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("error_details", user_arch)
        self.assertNotIn("raw_payload_text", user_arch)

    # -- company language -----------------------------------------------------
    def test_a_french_users_replay_keeps_the_company_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["mp_connector_base"], ["fr_FR"], overwrite=True
        )
        translated = code_translations.get_python_translations(
            "mp_connector_base", "fr_FR"
        )
        # the reason would read in French if the replay wrote it in the
        # user's language
        self.assertIn("Invalid order data: %s", translated)
        self.assertEqual(self.env.company.partner_id.lang, "en_US")
        self.mp_user.lang = "fr_FR"
        self.create_orders(1, malformed_share=1.0)
        self.import_orders()
        binding = self.bindings()
        reason = binding.error_message
        self.assertTrue(reason.startswith("Invalid order data:"))
        binding.with_user(self.mp_user).action_replay()
        self.assertEqual(binding.state, "error")
        self.assertEqual(binding.error_message, reason)
        self.assertIn("Replayed by", binding.message_ids[0].body)
        self.assertIn("Check order", self.error_activities(binding).summary)

    # -- sales channel ----------------------------------------------------------
    def test_sale_orders_carry_team_source_and_medium(self):
        team = self.env["crm.team"].create({"name": "Marketplace team"})
        self.backend.team_id = team
        self.create_orders(2)
        self.import_orders()
        orders = self.bindings().sale_order_id
        self.assertEqual(len(orders), 2)
        medium = self.env.ref("mp_connector_base.utm_medium_marketplace")
        self.assertEqual(orders.team_id, team)
        self.assertEqual(orders.medium_id, medium)
        self.assertEqual(orders.source_id.name, self.backend.name)
        # the account's own source, made with it, not by the import jobs
        self.assertEqual(orders.source_id, self.backend.utm_source_id)
        # one source per account, whatever the number of imports
        self.create_orders(1)
        self.import_orders()
        self.assertEqual(self.bindings().sale_order_id.source_id, orders.source_id)
        self.env.flush_all()
        groups = self.env["sale.report"]._read_group(
            [("order_reference", "in", [f"sale.order,{o.id}" for o in orders])],
            ["team_id", "source_id", "medium_id"],
            ["__count"],
        )
        # one row per order line: the two orders make one group
        self.assertEqual(
            [group[:3] for group in groups], [(team, orders.source_id, medium)]
        )

    # -- the list's filters ---------------------------------------------------
    def test_error_kind_filters(self):
        self.create_orders(3, unknown_sku_share=0.34, malformed_share=0.34)
        order_ids = self.create_orders(1)
        sale_order_class = type(self.env["sale.order"])
        original = sale_order_class._action_confirm

        def confirm(orders):
            if any(order_ids[0] in (order.origin or "") for order in orders):
                message = "Confirmation refused for the test"
                raise UserError(message)
            return original(orders)

        with patch.object(sale_order_class, "_action_confirm", confirm):
            self.import_orders()
        arch = etree.fromstring(
            self.env["mp.order.binding"].get_views([(False, "search")])["views"][
                "search"
            ]["arch"]
        )
        filters = {f.get("name"): f for f in arch.xpath("//filter")}
        for name in (
            "filter_pending",
            "filter_error",
            "filter_to_accept",
            "filter_today",
            "filter_export_error",
            "filter_error_product",
            "filter_error_data",
            "filter_error_config",
            "filter_error_other",
        ):
            self.assertIn(name, filters)
        self.assertTrue(arch.xpath("//field[@name='backend_id']"))
        self.assertIn("context_today()", filters["filter_today"].get("domain"))
        base = [("backend_id", "=", self.backend.id)]
        found = {}
        for kind in ("product", "data", "config", "other"):
            domain = safe_eval(filters[f"filter_error_{kind}"].get("domain"))
            found[kind] = self.env["mp.order.binding"].search(base + domain)
        self.assertEqual(found["other"].external_id, order_ids[0])
        self.assertEqual(found["other"].error_kind, "other")
        self.assertEqual(len(found["product"]), 1)
        self.assertEqual(len(found["data"]), 1)
        self.assertFalse(found["config"])

    def test_stored_in_error_orders_show_their_kind_in_the_list(self):
        arch = self.env["mp.order.binding"].get_views([(False, "list")])["views"][
            "list"
        ]["arch"]
        self.assertIn('name="error_kind"', arch)
        self.assertEqual(
            dict(
                self.env["mp.order.binding"]
                ._fields["error_kind"]
                ._description_selection(self.env)
            )["other"],
            "Other error",
        )

    def test_the_action_offers_kanban_pivot_and_graph(self):
        action = self.env.ref("mp_connector_base.mp_order_binding_action")
        modes = action.view_mode.split(",")
        for mode in ("list", "kanban", "form", "pivot", "graph"):
            self.assertIn(mode, modes)
        views = self.env["mp.order.binding"].get_views(
            [(False, "kanban"), (False, "pivot"), (False, "graph")]
        )["views"]
        self.assertIn("backend_id", views["graph"]["arch"])
        self.assertIn('interval="day"', views["graph"]["arch"])
        self.assertIn("amount_total", views["pivot"]["arch"])
        self.assertIn('t-name="card"', views["kanban"]["arch"])
