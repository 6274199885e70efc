from odoo.addons.mp_amazon.models.mp_backend import fba_warehouse_code

from .common import SELLER2, AmazonCommon


class TestFbaWarehouse(AmazonCommon):
    def test_codes_of_accounts_differ(self):
        # the last five digits of the id made these two accounts collide
        self.assertNotEqual(fba_warehouse_code(12345), fba_warehouse_code(112345))
        codes = [fba_warehouse_code(account_id) for account_id in range(100, 200_000)]
        self.assertEqual(len(set(codes)), len(codes))
        self.assertLessEqual(max(len(code) for code in codes), 5)
        self.assertEqual(fba_warehouse_code(7), "FBA7")
        # a code a warehouse has is never given
        self.assertNotEqual(fba_warehouse_code(7, {"FBA7"}), "FBA7")

    def test_warehouse_takes_a_free_code(self):
        # warehouses of the company already hold the codes the account's
        # id gives: the FBA warehouse is still created, with another one
        taken = set()
        for _attempt in range(2):
            code = fba_warehouse_code(self.backend.id, taken)
            self.env["stock.warehouse"].create(
                {
                    "name": f"Taken {code}",
                    "code": code,
                    "company_id": self.env.company.id,
                }
            )
            taken.add(code)
        warehouse = self.backend._amazon_fba_warehouse()
        self.assertEqual(self.backend.amazon_fba_warehouse_id, warehouse)
        self.assertNotIn(warehouse.code, taken)
        self.assertLessEqual(len(warehouse.code), 5)
        # a second account of the same company gets its own
        other = self._create_backend("Amazon other", SELLER2)
        self.assertNotEqual(other._amazon_fba_warehouse().code, warehouse.code)
