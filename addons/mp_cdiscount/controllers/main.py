from odoo import http
from odoo.http import content_disposition, request
from odoo.tools import consteq

from ..services.offer_packages import PACKAGE_ROUTE, package_domain


class CdiscountOfferPackage(http.Controller):
    """Serves offer packages to Cdiscount, which downloads the zip whose
    address ``SubmitOfferPackage`` was given (``services/offer_packages.py``):
    the package's id and access token are the only credentials."""

    @http.route(
        f"{PACKAGE_ROUTE}/<int:attachment_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def offer_package(self, attachment_id, token, **_kwargs):
        attachment = (
            request.env["ir.attachment"]
            .sudo()
            .search([("id", "=", attachment_id), *package_domain()], limit=1)
        )
        if not (
            attachment
            and attachment.access_token
            # bytes: a token of any characters is compared, never refused
            and consteq(attachment.access_token.encode(), token.encode())
        ):
            raise request.not_found()
        return request.make_response(
            attachment.raw,
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", content_disposition(attachment.name)),
                ("Cache-Control", "no-store"),
            ],
        )
