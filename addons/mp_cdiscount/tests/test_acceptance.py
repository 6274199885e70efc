from .common import CdiscountCommon

ACCEPTED = ("Accepted", "InPreparation")


class AcceptanceCases:
    """The account's acceptance policy applied on Cdiscount, on the class's
    API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a warehouse without stock: its orders wait for a decision
        cls.empty_warehouse = cls.env["stock.warehouse"].create(
            {"name": "Empty", "code": "EMPTY"}
        )

    def create_orders(self, count, **options):
        # orders the seller decides on (Cdiscount ships fulfilment ones)
        return super().create_orders(count, fulfilment_share=0.0, **options)

    def status(self, number):
        return self.record(number)["status"]

    def binding(self, number):
        return self.bindings().filtered(lambda b: b.external_id == number)

    def decide(self, action):
        with self.trap_jobs() as trap:
            action()
            self.run_jobs(trap)

    def test_orders_covered_by_stock_are_accepted(self):
        numbers = self.create_orders(3, multi_line_share=0.5)
        self.import_orders()
        for number in numbers:
            binding = self.binding(number)
            self.assertEqual(binding.accept_state, "accepted", binding.accept_error)
            self.assertIn(self.status(number), ACCEPTED)
        # the next import sees them accepted and changes nothing else
        self.import_orders()
        for number in numbers:
            self.assertEqual(self.binding(number).accept_state, "accepted")
            self.assertEqual(self.binding(number).sale_order_id.state, "sale")

    def test_orders_not_covered_wait_for_staff(self):
        self.backend.warehouse_id = self.empty_warehouse
        first, second = self.create_orders(2)
        self.import_orders()
        for number in (first, second):
            binding = self.binding(number)
            self.assertEqual(binding.accept_state, "to_decide")
            self.assertTrue(binding.activity_ids)
            self.assertEqual(self.status(number), "WaitingAcceptance")
        self.decide(self.binding(first).sale_order_id.action_mp_accept)
        self.decide(self.binding(second).action_refuse)
        self.assertEqual(self.binding(first).accept_state, "accepted")
        self.assertIn(self.status(first), ACCEPTED)
        self.assertEqual(self.binding(second).accept_state, "refused")
        self.assertEqual(self.status(second), "Refused")
        self.assertEqual(self.binding(second).sale_order_id.state, "cancel")

    def test_manual_accounts_decide_by_hand(self):
        self.backend.accept_mode = "manual"
        (number,) = self.create_orders(1)
        self.import_orders()
        binding = self.binding(number)
        self.assertEqual(binding.accept_state, "to_decide")
        self.assertEqual(self.status(number), "WaitingAcceptance")
        # someone accepts it in Cdiscount's back office meanwhile: accepting
        # it here again is a success
        self.backend._get_client().accept_order(
            number, dict.fromkeys(binding._line_ids(), True)
        )
        self.decide(binding.action_accept)
        self.assertEqual(binding.accept_state, "accepted")
        self.assertIn(self.status(number), ACCEPTED)


class TestRestAcceptance(AcceptanceCases, CdiscountCommon):
    generation = "rest"


class TestSoapAcceptance(AcceptanceCases, CdiscountCommon):
    generation = "soap"
