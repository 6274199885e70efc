"""The partners of a marketplace order: buyer, invoice and delivery address.

The one place buyers (``mp.partner.binding``) and their addresses are found
or created. With a partner per buyer, the buyer is a partner bound by its
marketplace id, with its billing address as its own; an invoice contact is
added only when a later billing address differs, and each delivery address
is a delivery contact under it, reused whenever the same address comes
again. With one generic partner for the account, that partner is never
written: it is the customer and the invoice address of every order, and each
delivery address is a delivery contact under it.

Contacts are found again by an address fingerprint. Two workers importing
the same buyer or address at once are serialised by transaction advisory
locks: the second one is ``Busy`` and its order is processed again shortly.
Partners are always searched in the database, never cached: an order's
buyer and addresses exist only in its savepoint, which may be rolled back.
"""

from .locks import try_xact_lock
from .order_errors import Busy


class PartnerResolver:
    """Finds or creates the partners of the orders of one account."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.company = backend.company_id
        self._countries = {}
        self._langs = None

    def partners_for(self, customer):
        """Return (customer, invoice address, delivery address) partners of
        an ``mphub.canonical.Customer``."""
        partners = self.env["res.partner"].with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mp_keep_parent_address=True,
        )
        billing = customer.billing_address or customer.shipping_address
        if self.backend.partner_strategy == "generic":
            commercial = invoice = self.backend.generic_partner_id
        else:
            commercial = self._buyer(partners, customer, billing)
            invoice = commercial
            if commercial.mp_address_key != billing.fingerprint():
                invoice = self._address_partner(
                    partners, commercial, billing, "invoice"
                )
        shipping = self._address_partner(
            partners, commercial, customer.shipping_address, "delivery"
        )
        return commercial, invoice, shipping

    def _buyer(self, partners, customer, billing):
        """The partner of the buyer, bound by its marketplace id (or by its
        billing address for buyers the marketplace gives no id)."""
        key = customer.external_id or "anonymous-" + billing.fingerprint()
        self._lock("buyer", key)
        buyers = self.env["mp.partner.binding"]
        binding = buyers._mp_find(self.backend, [key]).get(key)
        if binding:
            return binding.partner_id
        partner = partners.create(self._partner_vals(customer))
        buyers.create(
            {
                "backend_id": self.backend.id,
                "external_id": key,
                "partner_id": partner.id,
            }
        )
        return partner

    def _partner_vals(self, customer):
        address = customer.billing_address or customer.shipping_address
        vals = self._address_vals(address)
        vals.update(
            {
                "name": customer.company or customer.name,
                "is_company": bool(customer.company),
                "mp_address_key": address.fingerprint(),
                "email": customer.email or False,
                "vat": customer.vat or False,
                "company_id": self.company.id,
                "customer_rank": 1,
            }
        )
        lang = self._lang(customer.lang)
        if lang:
            vals["lang"] = lang
        return vals

    def _address_partner(self, partners, commercial, address, kind):
        key = address.fingerprint()
        self._lock("address", f"{commercial.id}-{kind}-{key}")
        existing = self.env["res.partner"].search(
            [
                ("parent_id", "=", commercial.id),
                ("type", "=", kind),
                ("mp_address_key", "=", key),
            ],
            limit=1,
        )
        if existing:
            return existing
        vals = self._address_vals(address)
        vals.update(
            {
                "parent_id": commercial.id,
                "type": kind,
                "name": address.name,
                "mp_address_key": key,
                "company_id": self.company.id,
            }
        )
        partner = partners.create(vals)
        if address.company:
            # the recipient's company, printed above the address; Odoo
            # empties it on the creation of a contact that has a parent
            partner.company_name = address.company
        return partner

    def _address_vals(self, address):
        return {
            "street": address.street,
            "street2": address.street2 or False,
            "zip": address.zip or False,
            "city": address.city,
            "country_id": self._country(address.country_code).id or False,
            "phone": address.phone or False,
            "mobile": address.mobile or False,
        }

    def _country(self, code):
        if code not in self._countries:
            self._countries[code] = self.env["res.country"].search(
                [("code", "=", code)], limit=1
            )
        return self._countries[code]

    def _lang(self, locale):
        if self._langs is None:
            self._langs = {code for code, _name in self.env["res.lang"].get_installed()}
        if locale and locale in self._langs:
            return locale
        return None

    def _lock(self, kind, key):
        """Transaction lock on (account, kind, key), or ``Busy``."""
        if not try_xact_lock(self.env.cr, self.backend.id, kind, key):
            raise Busy(key)
