import re

from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from ..models.b2b_signup_request import RATE_LIMIT_PER_HOUR


def make_b2b_company(env, name, state="validated", pricelist=None, **values):
    """A B2B company partner (optionally with its negotiated pricelist)."""
    company = env["res.partner"].create(
        dict({"name": name, "is_company": True, "b2b_state": state}, **values)
    )
    if pricelist:
        company.property_product_pricelist = pricelist
    return company


def make_b2b_user(env, company, login, role="buyer", limit=0.0):
    """A contact of company with a portal user (password = login)."""
    contact = env["res.partner"].create(
        {
            "name": login.replace(".", " ").title(),
            "parent_id": company.id,
            "type": "contact",
            "email": f"{login}@example.com",
            "b2b_role": role,
            "b2b_order_limit": limit,
        }
    )
    return new_test_user(
        env,
        login=login,
        groups="base.group_portal",
        partner_id=contact.id,
        name=contact.name,
        email=contact.email,
        password=login,
    )


class TestAccounts(MockEmail, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.manager = new_test_user(
            cls.env,
            login="b2b_sale_manager",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
        )
        cls.salesman = new_test_user(
            cls.env, login="b2b_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.company = make_b2b_company(cls.env, "Acme Pro")
        cls.buyer = make_b2b_user(cls.env, cls.company, "acme.buyer", "buyer", 1000)
        cls.approver = make_b2b_user(cls.env, cls.company, "acme.approver", "approver")
        cls.viewer = make_b2b_user(cls.env, cls.company, "acme.viewer", "viewer")

    def _request(self, **values):
        return self.env["b2b.signup.request"].create(
            dict(
                {
                    "name": "Nouvelle Société",
                    "vat": "FR23334175221",
                    "contact_name": "Marie Curie",
                    "email": "marie@nouvelle.example.com",
                    "city": "Lyon",
                    "country_id": self.env.ref("base.fr").id,
                },
                **values,
            )
        )

    # roles and states
    def test_can_order_per_role(self):
        self.assertTrue(self.buyer._b2b_can_order())
        self.assertTrue(self.approver._b2b_can_order())
        self.assertFalse(self.viewer._b2b_can_order())
        self.assertTrue(self.buyer.partner_id._b2b_is_validated())
        self.assertTrue(self.manager._b2b_can_order(), "internal users may order")
        public = self.env.ref("base.public_user")
        self.assertFalse(public._b2b_can_order())

    def test_can_order_per_state(self):
        for state in ("none", "pending", "refused"):
            self.company.b2b_state = state
            self.assertEqual(self.buyer.partner_id.b2b_state, state, "synced")
            self.assertFalse(self.buyer._b2b_can_order(), state)
            self.assertFalse(self.approver._b2b_can_order(), state)
        self.company.b2b_state = "validated"
        self.assertTrue(self.buyer._b2b_can_order())

    def test_can_see_catalogue(self):
        website = self.env["website"].get_current_website()
        public = self.env.ref("base.public_user")
        outsider = new_test_user(
            self.env, login="b2c.buyer", groups="base.group_portal"
        )
        website.b2b_only = False
        self.assertTrue(public._b2b_can_see_catalogue(website))
        self.assertTrue(outsider._b2b_can_see_catalogue(website))
        website.b2b_only = True
        self.assertFalse(public._b2b_can_see_catalogue(website))
        self.assertFalse(outsider._b2b_can_see_catalogue(website))
        self.assertTrue(self.viewer._b2b_can_see_catalogue(website))
        self.assertTrue(self.manager._b2b_can_see_catalogue(website))
        self.company.b2b_state = "pending"
        self.assertFalse(self.buyer._b2b_can_see_catalogue(website))

    def test_partner_validate_refuse_buttons(self):
        company = make_b2b_company(self.env, "Pending Co", state="pending")
        with self.assertRaises(UserError):
            company.with_user(self.salesman).action_b2b_validate()
        company.with_user(self.manager).action_b2b_validate()
        self.assertEqual(company.b2b_state, "validated")
        self.assertIn("validated", company.message_ids[0].body)
        company.with_user(self.manager).action_b2b_refuse()
        self.assertEqual(company.b2b_state, "refused")

    # signup requests
    def test_validate_request(self):
        request = self._request()
        with self.mock_mail_gateway():
            request.with_user(self.manager).action_validate()
        self.assertEqual(request.state, "validated")
        company = request.partner_id
        self.assertTrue(company.is_company)
        self.assertEqual(company.name, "Nouvelle Société")
        self.assertEqual(company.b2b_state, "validated")
        contact = request.contact_id
        self.assertEqual(contact.parent_id, company)
        self.assertEqual(contact.b2b_role, "buyer")
        user = request.user_id
        self.assertEqual(user.partner_id, contact)
        self.assertTrue(user._is_portal())
        self.assertEqual(user.login, "marie@nouvelle.example.com")
        self.assertTrue(user._b2b_can_order())
        self.assertEqual(len(self._new_mails), 1, "one invitation e-mail")
        self.assertIn("marie@nouvelle.example.com", self._new_mails.email_to or "")
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_validate()

    def test_validate_request_vat_dedup(self):
        existing = make_b2b_company(
            self.env, "Existing SARL", state="none", vat="FR 23 334175221"
        )
        request = self._request(vat="fr23334175221")
        self.assertEqual(request.partner_id, existing)
        self.assertEqual(existing.b2b_state, "pending")
        with self.mock_mail_gateway():
            request.with_user(self.manager).action_validate()
        self.assertEqual(request.partner_id, existing)
        self.assertEqual(existing.b2b_state, "validated")
        self.assertEqual(existing.name, "Existing SARL", "not overwritten")
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("is_company", "=", True), ("vat", "ilike", "334175221")]
            ),
            1,
        )
        self.assertEqual(request.contact_id.parent_id, existing)

    def test_request_never_downgrades_validated_account(self):
        request = self._request(vat=False)
        self.company.vat = "FR23334175221"
        request.vat = "FR23334175221"
        request.refuse_reason = "Duplicate"
        request.with_user(self.manager).action_refuse()
        self.assertEqual(request.partner_id, self.company)
        self.assertEqual(self.company.b2b_state, "validated")

    def test_refuse_request(self):
        existing = make_b2b_company(
            self.env, "Existing SARL", state="none", vat="FR23334175221"
        )
        request = self._request()
        self.assertEqual(existing.b2b_state, "pending")
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_refuse()  # no reason
        request.refuse_reason = "Not a professional"
        with self.assertRaises(UserError):
            request.with_user(self.salesman).action_refuse()
        request.with_user(self.manager).action_refuse()
        self.assertEqual(request.state, "refused")
        self.assertEqual(existing.b2b_state, "refused")
        self.assertFalse(request.user_id)

    def test_rate_limit_count(self):
        model = self.env["b2b.signup.request"]
        for i in range(RATE_LIMIT_PER_HOUR):
            self.assertFalse(model._rate_limit_reached("10.1.2.3"))
            self._request(email=f"x{i}@example.com", remote_addr="10.1.2.3", vat=False)
        self.assertTrue(model._rate_limit_reached("10.1.2.3"))
        self.assertFalse(model._rate_limit_reached("10.1.2.4"))

    # quantities
    def test_quantity_error(self):
        product = self.env["product.product"].create(
            {"name": "Cable 2.5mm", "b2b_min_qty": 10.0, "b2b_pack_qty": 0.0}
        )
        self.assertIsNone(product._b2b_quantity_error(10))
        self.assertIsNone(product._b2b_quantity_error(11))
        self.assertEqual(
            product._b2b_quantity_error(9),
            "The minimum order quantity of Cable 2.5mm is 10.",
        )
        product.write({"b2b_min_qty": 0.0, "b2b_pack_qty": 6.0})
        self.assertIsNone(product._b2b_quantity_error(12))
        self.assertEqual(
            product._b2b_quantity_error(7),
            "Cable 2.5mm is sold by packs of 6: order 6, 12, 18...",
        )
        product.write({"b2b_min_qty": 12.0, "b2b_pack_qty": 6.0})
        self.assertIn("minimum", product._b2b_quantity_error(6))
        self.assertIn("packs of 6", product._b2b_quantity_error(13))
        product.write({"b2b_min_qty": 0.0, "b2b_pack_qty": 0.5})
        self.assertIsNone(product._b2b_quantity_error(1.5))
        product.write({"b2b_pack_qty": 1.0})
        self.assertIsNone(product._b2b_quantity_error(1.3), "1 = any quantity")


@tagged("post_install", "-at_install")
class TestSignupHttp(HttpCase):
    def setUp(self):
        super().setUp()
        self.website = self.env["website"].get_current_website()
        self.website.b2b_signup_policy = "open"
        self.Request = self.env["b2b.signup.request"]

    def _csrf_token(self):
        response = self.url_open("/b2b/signup")
        self.assertEqual(response.status_code, 200)
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        self.assertTrue(match, "the form carries a CSRF token")
        return match.group(1)

    def _post(self, token, **values):
        data = {
            "csrf_token": token,
            "name": "Électricité Martin",
            "vat": "",
            "contact_name": "Paul Martin",
            "email": "paul@martin.example.com",
            "city": "Lyon",
            "country_id": str(self.env.ref("base.fr").id),
            "message": "Installer, 12 people",
        }
        data.update(values)
        return self.url_open("/b2b/signup", data=data, allow_redirects=False)

    def test_signup_form(self):
        token = self._csrf_token()
        response = self._post(token)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/b2b/signup/thanks"))
        request = self.Request.search([("email", "=", "paul@martin.example.com")])
        self.assertEqual(len(request), 1)
        self.assertEqual(request.name, "Électricité Martin")
        self.assertEqual(request.state, "draft")
        self.assertEqual(request.website_id, self.website)
        self.assertEqual(request.remote_addr, "127.0.0.1")
        self.assertEqual(request.country_id, self.env.ref("base.fr"))
        self.assertEqual(self.url_open("/b2b/signup/thanks").status_code, 200)

    def test_signup_requires_csrf(self):
        with mute_logger("odoo.http"):
            response = self._post("not-a-token")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            self.Request.search([("email", "=", "paul@martin.example.com")])
        )

    def test_signup_invalid_email(self):
        response = self._post(self._csrf_token(), email="not an e-mail")
        self.assertEqual(response.status_code, 400)
        self.assertIn("is-invalid", response.text)
        self.assertFalse(self.Request.search([("contact_name", "=", "Paul Martin")]))

    def test_signup_honeypot(self):
        count = self.Request.search_count([])
        response = self._post(self._csrf_token(), website_url="http://spam.example")
        self.assertEqual(response.status_code, 303, "looks like a success")
        self.assertEqual(self.Request.search_count([]), count, "but nothing created")

    def test_signup_rate_limit(self):
        token = self._csrf_token()
        for i in range(RATE_LIMIT_PER_HOUR):
            response = self._post(token, email=f"p{i}@martin.example.com")
            self.assertEqual(response.status_code, 303, i)
        with mute_logger("odoo.addons.b2b_portal.controllers.portal"):
            response = self._post(token, email="p6@martin.example.com")
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many requests", response.text)
        self.assertEqual(
            self.Request.search_count([("email", "=like", "p%@martin.example.com")]),
            RATE_LIMIT_PER_HOUR,
        )

    def test_signup_closed(self):
        self.website.b2b_signup_policy = "closed"
        response = self.url_open("/b2b/signup")
        self.assertIn("Account requests are closed", response.text)
        self.assertNotIn('name="contact_name"', response.text)
