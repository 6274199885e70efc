"""The sales tax of each taxed amount of a marketplace order.

Candidates come from what the books know, in this order: the taxes of the
product (the account's shipping, promotion or gift wrapping product for
those charges, then the line's product) mapped through the order's fiscal
position; then the marketplace's tax code (the account's tax mapping) or the
rate it states; then the company's sales taxes of the destination country.
The first candidate consistent with the tax amount the marketplace charged
wins (``mphub.taxes``); the amount alone never makes up a rate. When no
candidate agrees, the order waits in error with a reason naming the line,
the amounts, the candidates and what to configure.
"""

from decimal import Decimal

from mphub.taxes import Candidate, choose


def sale_taxes(env, company, included=None, rate=None, country=None):
    """The sales taxes of ``company`` by percentage (the one lookup of sales
    taxes of the connector), in their sequence: those included in price or
    not (``included``), of a ``rate`` (percent), of a ``country``, when
    given."""
    Tax = env["account.tax"]
    domain = [
        *Tax._check_company_domain(company),
        ("type_tax_use", "=", "sale"),
        ("amount_type", "=", "percent"),
    ]
    if rate is not None:
        domain.append(("amount", "=", float(rate)))
    if country is not None:
        domain.append(("country_id", "=", country.id))
    taxes = Tax.search(domain, order="sequence, id")
    if included is not None:
        taxes = taxes.filtered(lambda tax: tax.price_include == included)
    return taxes


class TaxNotFound(Exception):
    """No tax of the books agrees with the marketplace's amount."""


class TaxResolver:
    """Caches shared by the orders of one processing job."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.company = backend.company_id
        self._company_taxes = None
        self._mapping = None
        self._fiscal_positions = {}

    # -- per order ----------------------------------------------------------
    def fiscal_position(self, partner, delivery):
        """The account's fiscal position, else the one Odoo detects for the
        delivery address (destination country, VAT number)."""
        if self.backend.fiscal_position_id:
            return self.backend.fiscal_position_id
        key = (partner.id, delivery.id)
        if key not in self._fiscal_positions:
            self._fiscal_positions[key] = (
                self.env["account.fiscal.position"]
                .with_company(self.company)
                ._get_fiscal_position(partner, delivery=delivery)
            )
        return self._fiscal_positions[key]

    def for_order(self, order, products, fiscal_position, country):
        """Return ``tax_of(charge)`` for ``mphub.orders.plan_sale_order``:
        the ids of the chosen taxes, or ``TaxNotFound`` with the reason."""

        def tax_of(charge):
            notes = []
            candidates = list(
                self._candidates(charge, products, fiscal_position, country, notes)
            )
            chosen = choose(charge, candidates)
            if chosen is None:
                raise TaxNotFound(
                    self._explain(charge, candidates, notes, country, order)
                )
            return chosen.key

        return tax_of

    # -- candidates -----------------------------------------------------------
    def _candidates(self, charge, products, fiscal_position, country, notes):
        """The candidate taxes of ``charge``, in order of trust."""
        yield from self._product_candidates(charge, products, fiscal_position, notes)
        mapping = self._tax_mapping()
        for code in charge.codes:
            if code in mapping:
                candidate = self._candidate(
                    mapping[code],
                    charge.included,
                    self.env._("tax mapping of code %s", code),
                    notes,
                )
                if candidate:
                    yield candidate
        yield from self._company_candidates(charge, country)

    def _product_candidates(self, charge, products, fiscal_position, notes):
        """The taxes of the products the charge is about (the account's
        shipping, promotion or gift wrapping product, the line's product),
        mapped through the fiscal position."""
        env = self.env
        product = products.get(charge.line.sku)
        sources = {
            "product": [product],
            "shipping": [self.backend.shipping_product_id, product],
            "discount": [product, self.backend.discount_product_id],
            "gift_wrap": [self.backend.gift_wrap_product_id, product],
        }[charge.kind]
        for source in sources:
            if not source:
                continue
            taxes = source.taxes_id._filter_taxes_by_company(self.company)
            if not taxes and source != product:
                # the account's shipping, promotion or gift wrapping product
                # without taxes says nothing: the line's product speaks
                continue
            if fiscal_position:
                taxes = fiscal_position.map_tax(taxes)
            origin = env._("taxes of %s", source.display_name)
            if fiscal_position:
                origin = env._(
                    "%(origin)s through %(position)s",
                    origin=origin,
                    position=fiscal_position.display_name,
                )
            candidate = self._candidate(taxes, charge.included, origin, notes)
            if candidate:
                yield candidate

    def _company_candidates(self, charge, country):
        """The company's sales taxes of the rate the marketplace states,
        then those of the VAT country."""
        env = self.env
        company_taxes = self._sale_taxes(charge.included)
        if charge.rate is not None:
            stated = [
                tax
                for tax in company_taxes
                if _rate(tax) == charge.rate
                and (not country or tax.country_id in (country, self.company_country))
            ]
            stated.sort(key=lambda tax: tax.country_id != country)
            for tax in stated:
                yield Candidate(
                    rate=_rate(tax),
                    key=(tax.id,),
                    origin=env._("%s, the rate stated", tax.name),
                )
        vat_country = self.vat_country(country)
        if charge.tax_amount is not None and vat_country:
            for tax in company_taxes:
                if tax.country_id == vat_country:
                    yield Candidate(
                        rate=_rate(tax),
                        key=(tax.id,),
                        origin=env._(
                            "%(tax)s of %(country)s",
                            tax=tax.name,
                            country=vat_country.name,
                        ),
                    )

    def vat_country(self, country):
        """The country whose VAT the sale bears: the destination when the
        company has sales taxes of it (registered there, OSS), else the
        company's own."""
        if (
            country
            and any(tax.country_id == country for tax in self._sale_taxes(True))
            or any(tax.country_id == country for tax in self._sale_taxes(False))
        ):
            return country
        return self.company_country or country

    @property
    def company_country(self):
        return self.company.account_fiscal_country_id or self.company.country_id

    def _candidate(self, taxes, included, origin, notes):
        """A candidate of a set of taxes, with their twins included (or not)
        in price as the marketplace's prices are; None when there is none."""
        if not taxes:
            return Candidate(
                rate=Decimal(0), key=(), origin=self.env._("no tax (%s)", origin)
            )
        if any(tax.amount_type != "percent" for tax in taxes):
            notes.append(
                self.env._(
                    "%s: only percentage taxes can be checked against the "
                    "marketplace's amounts",
                    origin,
                )
            )
            return None
        chosen = []
        for tax in taxes:
            if tax.price_include == included:
                chosen.append(tax)
                continue
            twin = next(
                (
                    other
                    for other in self._sale_taxes(included)
                    if _rate(other) == _rate(tax) and other.country_id == tax.country_id
                ),
                None,
            )
            if not twin:
                notes.append(
                    self.env._(
                        "%(origin)s: %(tax)s has no twin %(kind)s",
                        origin=origin,
                        tax=tax.name,
                        kind=self._kind(included),
                    )
                )
                return None
            chosen.append(twin)
        return Candidate(
            rate=sum((_rate(tax) for tax in chosen), Decimal(0)),
            key=tuple(sorted(tax.id for tax in chosen)),
            origin=f"{', '.join(tax.name for tax in chosen)} ({origin})",
        )

    def _sale_taxes(self, included):
        if self._company_taxes is None:
            self._company_taxes = sale_taxes(self.env, self.company)
        return [tax for tax in self._company_taxes if tax.price_include == included]

    def _tax_mapping(self):
        if self._mapping is None:
            self._mapping = {
                mapping.code.strip(): mapping.tax_id
                for mapping in self.backend.tax_mapping_ids
            }
        return self._mapping

    # -- explanation ----------------------------------------------------------
    def _kind(self, included):
        env = self.env
        return env._("included in price") if included else env._("excluded from price")

    def _explain(self, charge, candidates, notes, country, order):
        env = self.env
        kinds = {
            "product": env._("price"),
            "shipping": env._("shipping"),
            "discount": env._("promotion"),
            "gift_wrap": env._("gift wrapping"),
        }
        if charge.tax_amount is None:
            charged = env._("no tax amount given")
        else:
            charged = env._(
                "%(tax)s of tax on %(amount)s",
                tax=charge.tax_amount,
                amount=charge.amount,
            )
        if charge.rate is not None:
            charged += env._(" (stated rate %s%%)", charge.rate)
        if charge.codes:
            charged += env._(" (tax code %s)", ", ".join(charge.codes))
        tried = "; ".join(
            f"{c.rate.normalize():f}% {c.origin}" for c in candidates
        ) or env._("none")
        message = env._(
            "Line %(line)s (%(sku)s), %(kind)s: the marketplace charged "
            "%(charged)s %(currency)s, which agrees with none of the candidate "
            "taxes: %(tried)s.",
            line=charge.index + 1,
            sku=charge.line.sku,
            kind=kinds[charge.kind],
            charged=charged,
            currency=order.currency,
            tried=tried,
        )
        if notes:
            message += " " + " ".join(f"{note}." for note in notes)
        message += " " + env._(
            "Set the right sales tax on the product (or the account's fiscal "
            "position), map the marketplace's tax code in the account's Taxes "
            "tab, or create the sales tax of %(country)s %(kind)s, then replay "
            "the order.",
            country=self.vat_country(country).name or env._("the destination country"),
            kind=self._kind(charge.included),
        )
        return message


def _rate(tax):
    return Decimal(repr(tax.amount)).normalize()
