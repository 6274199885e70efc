"""Competitor prices imported from CSV and XLSX files: matched by SKU or
EAN, stored as change-only snapshots of source "import", the rows in error
kept and retried."""

import base64
import io
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.mp_connector_base.tests.fake_common import (
    PRODUCTS,
    FakeCompetitorsCase,
)

RED_EAN = PRODUCTS["FK-RED"][0]
BLUE_EAN = PRODUCTS["FK-BLUE"][0]


@tagged("post_install", "-at_install")
class TestCompetitorImport(FakeCompetitorsCase):
    def setUp(self):
        super().setUp()
        self.red = self.offer_of["FK-RED"]
        self.blue = self.offer_of["FK-BLUE"]

    def run_import(self, text, filename="prices.csv", backend=None):
        data = text.encode() if isinstance(text, str) else text
        record = self.env["mp.competitor.import"].create(
            {
                "name": filename,
                "backend_id": (backend or self.backend).id,
                "file": base64.b64encode(data),
                "filename": filename,
            }
        )
        record.action_import()
        return record

    def snapshots(self, offer, **domain):
        return self.env["mp.competitor.snapshot"].search(
            [("offer_id", "=", offer.id)]
            + [(name, "=", value) for name, value in domain.items()],
            order="id",
        )

    def test_csv_rows_become_snapshots(self):
        record = self.run_import(
            "sku;vendeur;prix;frais de port;etat;note;nombre d'avis\n"
            "FK-RED;Shop A;11,50;0;new;4.5;120\n"
            "FK-RED;Shop B;10,90;2,00;new;;\n"
            f"{BLUE_EAN};Shop A;8.10;;;;\n"
        )
        # the third row names its product by SKU column: a SKU "376..." is
        # unknown, kept as an error
        self.assertEqual(record.state, "partial")
        rows = self.snapshots(self.red, current=True)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows.mapped("source"), ["import", "import"])
        shop_b = rows.filtered(lambda r: r.seller == "Shop B")
        self.assertEqual(shop_b.landed, 12.90)
        self.assertEqual(self.red.competitor_count, 2)
        self.assertEqual(self.red.lowest_competitor_price, 11.50)
        self.assertEqual(record.row_count, 3)
        self.assertEqual(record.imported_count, 2)
        self.assertEqual(record.error_count, 1)
        (error,) = record.row_ids
        self.assertEqual(error.row_number, 4)
        self.assertEqual(error.reason, f"no offer of this account for SKU {BLUE_EAN}")
        self.assertEqual(json.loads(error.raw)["vendeur"], "Shop A")

    def test_match_by_ean_and_barcode(self):
        self.blue.ean = False
        record = self.run_import(
            f"ean,seller,price\n{RED_EAN},Shop A,11.50\n{BLUE_EAN},Shop A,8.10\n"
        )
        self.assertEqual(record.state, "done")
        self.assertFalse(record.row_ids)
        self.assertEqual(len(self.snapshots(self.red)), 1)
        self.assertEqual(len(self.snapshots(self.blue)), 1)

    def test_bad_rows_are_kept_and_retried(self):
        record = self.run_import(
            "sku;seller;price\n"
            "FK-RED;Shop A;11.50\n"
            "FK-RED;Shop B;abc\n"
            "FK-NEW;Shop A;5.00\n"
        )
        self.assertEqual(record.state, "partial")
        self.assertEqual(record.error_count, 2)
        bad_price, unknown = record.row_ids.sorted("row_number")
        self.assertEqual(bad_price.row_number, 3)
        self.assertIn("abc", bad_price.reason)
        self.assertEqual(unknown.row_number, 4)
        self.assertIn("FK-NEW", unknown.reason)
        # fix the cell, then retry the row: one click
        cells = json.loads(bad_price.raw)
        cells["price"] = "10.00"
        bad_price.raw = json.dumps(cells)
        bad_price.action_retry()
        self.assertEqual(bad_price.state, "done")
        current = self.snapshots(self.red, current=True)
        # the retried row joins the file's offers of the product
        self.assertCountEqual(current.mapped("seller"), ["Shop A", "Shop B"])
        self.assertEqual(self.red.lowest_competitor_price, 10.00)
        # the unknown SKU gets an offer: retry every row in error
        self.env["mp.offer.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": self.product["FK-BOOK"].id,
                "seller_sku": "FK-NEW",
            }
        )
        record.action_retry_errors()
        self.assertEqual(unknown.state, "done")
        self.assertEqual(record.state, "done")
        self.assertEqual(record.error_count, 0)
        with self.assertRaises(UserError):
            record.action_retry_errors()

    def test_second_file_replaces_the_products_it_lists(self):
        self.run_import(
            "sku;seller;price\n"
            "FK-RED;Shop A;11.50\n"
            "FK-RED;Shop B;10.90\n"
            "FK-BLUE;Shop A;8.10\n"
        )
        before = self.snapshots(self.red)
        blue_before = self.snapshots(self.blue)
        shop_a = before.filtered(lambda r: r.seller == "Shop A")
        shop_b = before - shop_a
        self.run_import("sku;seller;price\nFK-RED;Shop A;11.50\n")
        # same values: untouched; absent from the file: closed
        self.assertTrue(shop_a.current)
        self.assertFalse(shop_b.current)
        self.assertEqual(len(self.snapshots(self.red)), 2)
        # a product absent from the file keeps its offers
        self.assertEqual(self.snapshots(self.blue), blue_before)
        self.assertTrue(blue_before.current)
        # a moved price: one row closed, one inserted
        self.run_import("sku;seller;price\nFK-RED;Shop A;11.00\n")
        self.assertFalse(shop_a.current)
        self.assertEqual(
            self.snapshots(self.red, current=True).mapped("price"), [11.00]
        )

    def test_import_does_not_close_api_rows(self):
        self.board.set(RED_EAN, ("Shop API", "12.50"))
        with self.trap_jobs() as trap:
            self.backend._schedule_competitor_collection(self.red)
            self.run_jobs(trap)
        api_row = self.snapshots(self.red, source="api")
        self.run_import("sku;seller;price\nFK-RED;Shop File;11.00\n")
        self.assertTrue(api_row.current)
        self.assertEqual(self.red.competitor_count, 2)
        self.assertEqual(self.red.lowest_competitor_price, 11.00)

    def test_xlsx(self):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["SKU", "Seller", "Price", "Shipping", "Featured"])
        sheet.append(["FK-RED", "Shop A", 11.5, 1.5, "yes"])
        sheet.append(["FK-RED", None, 9.0, None, None])
        buffer = io.BytesIO()
        book.save(buffer)
        record = self.run_import(buffer.getvalue(), filename="prices.xlsx")
        self.assertEqual(record.state, "partial")
        (row,) = self.snapshots(self.red)
        self.assertEqual(row.landed, 13.00)
        self.assertTrue(row.featured)
        (error,) = record.row_ids
        self.assertEqual(error.row_number, 3)
        self.assertIn("seller", error.reason)
        self.assertEqual(json.loads(error.raw)["Price"], 9.0)

    def test_unreadable_file_fails(self):
        record = self.run_import("hello;world\n1;2\n")
        self.assertEqual(record.state, "failed")
        self.assertIn("header", record.message)
        self.assertFalse(self.snapshots(self.red))

    def test_file_of_another_account_matches_nothing(self):
        other = self.create_fake_backend("Fake other")
        record = self.run_import(
            "sku;seller;price\nFK-RED;Shop A;11.50\n", backend=other
        )
        self.assertEqual(record.state, "failed")
        self.assertEqual(record.error_count, 1)
        self.assertFalse(self.snapshots(self.red))

    def test_staff_import_and_retry(self):
        staff = new_test_user(
            self.env,
            login="mp_price_staff",
            groups="mp_connector_base.group_mp_connector_base_user",
        )
        self.env = self.env(user=staff)
        text = "sku;seller;price\nFK-RED;Shop A;11.50\nFK-RED;Shop B;x\n"
        record = self.run_import(text)
        self.assertEqual(record.state, "partial")
        self.assertEqual(len(self.snapshots(self.red)), 1)
        # staff read the competitors' offers, never write them
        with self.assertRaises(AccessError):
            self.snapshots(self.red).write({"price": 1.0})
        # importing again replaces the rows in error
        record.action_import()
        self.assertEqual(len(record.row_ids), 1)
        record.row_ids.raw = json.dumps(
            {"sku": "FK-RED", "seller": "Shop B", "price": "10.00"}
        )
        record.action_retry_errors()
        self.assertEqual(record.state, "done")
        self.assertEqual(len(self.snapshots(self.red, current=True)), 2)

    def test_import_without_file(self):
        record = self.env["mp.competitor.import"].create(
            {"name": "empty", "backend_id": self.backend.id}
        )
        with self.assertRaises(UserError):
            record.action_import()
