"""Offer packages handed to Cdiscount's SOAP API by URL.

``SubmitOfferPackage`` takes the address of a zip file, which Cdiscount
downloads: the package is stored as an attachment of the account, in a
transaction of its own committed at once (Cdiscount may fetch it before the
export job ends), and served by the addon's controller to whoever knows its
access token (``controllers/main.py``). Packages are removed after a few
days by a cron (``mp.backend._cron_clean_cdiscount_packages``).
"""

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

# the attachments of offer packages hang on this (binary) field of the
# account: out of its attachment list, readable by administrators only
PACKAGE_FIELD = "cdiscount_offer_package"
PACKAGE_ROUTE = "/mp_cdiscount/offer_package"
KEEP_DAYS = 3  # how long Cdiscount keeps the integration report


def package_url(base_url, attachment):
    """Where Cdiscount downloads the package ``attachment``."""
    return (
        f"{base_url.rstrip('/')}{PACKAGE_ROUTE}/{attachment.id}/"
        f"{attachment.access_token}"
    )


def package_domain():
    """The attachments holding offer packages."""
    return [("res_model", "=", "mp.backend"), ("res_field", "=", PACKAGE_FIELD)]


class PackageHost:
    """The ``package_host(name, data) -> url`` callable of one account's
    client: stores the zip ``data`` and returns its public address."""

    def __init__(self, dbname, backend_id):
        self.dbname = dbname
        self.backend_id = backend_id

    def __call__(self, name, data):
        with Registry(self.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            attachment = env["ir.attachment"].create(
                {
                    "name": f"{name}.zip",
                    "raw": data,
                    "mimetype": "application/zip",
                    "res_model": "mp.backend",
                    "res_id": self.backend_id,
                    "res_field": PACKAGE_FIELD,
                }
            )
            attachment.generate_access_token()
            base_url = env["ir.config_parameter"].get_param("web.base.url") or ""
            return package_url(base_url, attachment)
