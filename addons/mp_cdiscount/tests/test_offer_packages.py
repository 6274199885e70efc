from odoo.tests import HttpCase, tagged

from odoo.addons.mp_cdiscount.services.offer_packages import (
    PACKAGE_FIELD,
    PACKAGE_ROUTE,
    PackageHost,
)

ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty zip archive


@tagged("post_install", "-at_install")
class TestOfferPackageHost(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["mp.backend"].create(
            {"name": "Cdiscount packages", "backend_type": "cdiscount"}
        )
        cls.host = PackageHost(cls.env.cr.dbname, cls.backend.id)

    def package(self, url):
        attachment_id = int(url.split("/")[-2])
        return self.env["ir.attachment"].sudo().browse(attachment_id)

    def test_cdiscount_downloads_the_package_with_its_token(self):
        url = self.host("stock-2025-03-01", ZIP)
        self.assertTrue(url.startswith(self.base_url() + PACKAGE_ROUTE + "/"))
        attachment = self.package(url)
        self.assertEqual(attachment.res_model, "mp.backend")
        self.assertEqual(attachment.res_id, self.backend.id)
        self.assertEqual(attachment.res_field, PACKAGE_FIELD)
        self.assertIn(PACKAGE_FIELD, self.env["mp.backend"]._fields)
        # served to anyone with the address, without a session
        self.authenticate(None, None)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, ZIP)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        # not to anyone else
        base, _token = url.rsplit("/", 1)
        for wrong in (
            f"{base}/not-the-token",
            f"{base}/{attachment.access_token[:-1]}",
            f"{base}/é{attachment.access_token}",
            url.replace(f"/{attachment.id}/", f"/{attachment.id + 1000}/"),
        ):
            self.assertEqual(self.url_open(wrong).status_code, 404, wrong)
        self.assertEqual(self.url_open(url, data={"x": "1"}).status_code, 405)

    def test_other_attachments_are_not_served(self):
        other = self.env["ir.attachment"].create(
            {
                "name": "secret.txt",
                "raw": b"secret",
                "res_model": "mp.backend",
                "res_id": self.backend.id,
            }
        )
        token = other.generate_access_token()[0]
        response = self.url_open(f"{PACKAGE_ROUTE}/{other.id}/{token}")
        self.assertEqual(response.status_code, 404)

    def test_old_packages_are_removed(self):
        old = self.package(self.host("old", ZIP))
        new = self.package(self.host("new", ZIP))
        self.env.cr.execute(
            "UPDATE ir_attachment SET create_date = now() - interval '4 days' "
            "WHERE id = %s",
            (old.id,),
        )
        self.assertEqual(self.env["mp.backend"]._cron_clean_cdiscount_packages(), 1)
        self.assertFalse(old.exists())
        self.assertTrue(new.exists())
