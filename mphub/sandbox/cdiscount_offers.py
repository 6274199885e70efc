"""Offers and offer packages of the Cdiscount emulator's store.

``OfferPackagesMixin`` gives ``CdiscountStore`` the sellers' offers (seeded
from the catalogue with their defects) and the offer packages both API
generations submit: a package waits ``package_polls`` polls, then is
integrated offer by offer (unknown product, bad price or stock: that offer
is rejected with its reason; the others change the seller's offers).
"""

import random
import uuid
from decimal import Decimal, InvalidOperation

from . import catalog
from .cdiscount_model import MAX_PRICE, OFFER_DEFECTS, PACKAGE_STEPS, Package, money

SEED_KINDS = ("unknown", "ambiguous", "ean_only", "malformed")


def check_share(value, name):
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return value


class OfferPackagesMixin:
    """Offers and packages; the store gives ``seed``, ``lock``, ``clock``,
    ``generator``, ``packages``, ``next_package``, ``package_polls`` and
    ``seller()``."""

    # -- offers ------------------------------------------------------------------
    def create_offers(
        self,
        seller_id,
        count,
        unknown_sku_share=0.0,
        ambiguous_share=0.0,
        ean_only_share=0.0,
        malformed_share=0.0,
        start=0,
    ):
        """``count`` offers on catalogue products ``start`` onwards; exactly
        ``round(count * share)`` of each kind: *unknown* (SKU and EAN in no
        catalogue), *ambiguous* (the product's SKU with another product's
        EAN), *ean_only* (an unknown SKU, the product's EAN), *malformed*
        (``OFFER_DEFECTS`` in turn). Returns the SKUs of each kind."""
        seller = self.seller(seller_id)
        count, start = int(count), int(start)
        if count < 0 or start < 0 or start + count > catalog.MAX_INDEX:
            raise ValueError("count >= 0 and start >= 0 within the catalogue")
        shares = (unknown_sku_share, ambiguous_share, ean_only_share, malformed_share)
        sizes = [round(count * check_share(s, "share")) for s in shares]
        if sum(sizes) > count:
            raise ValueError("offer shares add up to 1 at most")
        picker = random.Random(
            f"cdiscount-offers-{self.seed}-{seller.seller_id}-{start}"
        )
        chosen = picker.sample(range(count), sum(sizes))
        kinds, position = {}, 0
        for kind, size in zip(SEED_KINDS, sizes, strict=True):
            for offset in chosen[position : position + size]:
                kinds[offset] = kind
            position += size
        result = {"created": count, **{kind: [] for kind in SEED_KINDS}}
        with self.lock:
            now = self.clock.now()
            malformed = 0
            for offset in range(count):
                kind = kinds.get(offset, "valid")
                defect = None
                if kind == "malformed":
                    defect = OFFER_DEFECTS[malformed % len(OFFER_DEFECTS)]
                    malformed += 1
                offer = self.generator.offer(start + offset, kind, defect, now)
                seller.offers[offer.sku] = offer
                if kind != "valid":
                    result[kind].append(offer.sku)
        return result

    def offer_list(self, seller):
        with self.lock:
            return list(seller.offers.values())

    # -- packages ------------------------------------------------------------------
    def submit_package(
        self,
        seller,
        rows,
        package_type="Update",
        generation="rest",
        name=None,
        url=None,
    ):
        """A new offer package of ``rows`` (dicts: ``sku``, ``ean``, ``price``,
        ``stock``, as read from the request), WaitingForCompletion."""
        with self.lock:
            number = self.next_package
            self.next_package += 1
            rng = random.Random(f"cdiscount-package-{self.seed}-{number}")
            package = Package(
                package_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                number=number,
                seller_id=seller.seller_id,
                generation=generation,
                package_type=package_type,
                rows=[dict(row) for row in rows],
                created=self.clock.now(),
                name=name,
                url=url,
            )
            self.packages[package.package_id] = self.packages[number] = package
            return package

    def package(self, key, seller=None):
        """The package of id (str) or number (int), ``None`` if unknown (or
        another seller's)."""
        with self.lock:
            try:
                package = self.packages.get(key) or self.packages.get(int(key))
            except (TypeError, ValueError):
                package = None
            if package is None or (seller and package.seller_id != seller.seller_id):
                return None
            return package

    def poll_package(self, package):
        """One poll: ``package_polls`` polls show an intermediate state, the
        next one integrates the package (its offers change)."""
        with self.lock:
            if package.done:
                return package
            package.polls += 1
            if package.polls <= self.package_polls:
                steps = PACKAGE_STEPS[1:]
                package.status = steps[min(package.polls - 1, len(steps) - 1)]
                if package.polls == self.package_polls:
                    package.status = PACKAGE_STEPS[-1]
                return package
            self._integrate(package)
            return package

    def _integrate(self, package):
        seller = self.seller(package.seller_id)
        now = self.clock.now()
        package.results = []
        for row in package.rows:
            if package.package_type == "Delete":
                errors = self._delete_offer(seller, row)
                package.results.append(_result(row, errors))
                continue
            errors = self._offer_errors(seller, row)
            package.results.append(_result(row, errors))
            if not errors:
                self._apply_offer(seller, row, now)
        rejected = package.error_count
        if not package.results or rejected == len(package.results):
            package.status = "Rejected"
        else:
            package.status = "PartiallyIntegrated" if rejected else "Integrated"

    def _offer_errors(self, seller, row):
        """The reasons to reject ``row``: those found when the package was
        read (``row["errors"]``), an unknown product, a bad price or stock."""
        errors = [dict(error) for error in row.get("errors") or ()]
        sku, ean = row.get("sku"), row.get("ean")
        known = sku in seller.offers or catalog.index_of_sku(sku) is not None
        if (
            ean
            and catalog.index_of_ean(self.seed, ean) is None
            and not any(offer.ean == ean for offer in seller.offers.values())
        ):
            known = False
        if not sku or not known:
            errors.append(
                {
                    "code": "UnknownProduct",
                    "message": f"Product {sku or ean!r} is not in the catalogue",
                }
            )
        price, stock = _decimal(row.get("price")), row.get("stock")
        if row.get("price") is not None and (
            price is None or price <= 0 or price > MAX_PRICE
        ):
            errors.append(
                {
                    "code": "InvalidPrice",
                    "message": f"Price {row.get('price')!r} must be above 0 "
                    "and at most 100000",
                }
            )
        if stock is not None and (
            not isinstance(stock, int) or isinstance(stock, bool) or stock < 0
        ):
            errors.append(
                {
                    "code": "InvalidStock",
                    "message": f"Stock {stock!r} must be 0 or more",
                }
            )
        return errors

    @staticmethod
    def _delete_offer(seller, row):
        if seller.offers.pop(row.get("sku"), None) is None:
            sku = row.get("sku")
            return [{"code": "UnknownOffer", "message": f"No offer {sku!r} to delete"}]
        return []

    def _apply_offer(self, seller, row, now):
        sku = row["sku"]
        offer = seller.offers.get(sku)
        if offer is None:
            index = catalog.index_of_sku(sku)
            offer = self.generator.offer(index, "api", None, now)
            offer.stock = 0
            seller.offers[sku] = offer
        if row.get("price") is not None:
            offer.price = money(_decimal(row["price"]))
        if row.get("stock") is not None:
            offer.stock = row["stock"]
        if row.get("ean"):
            offer.ean = row["ean"]
        offer.defect = None
        offer.updated = now

    def package_record(self, key):
        """A package, JSON-ready (for tests)."""
        with self.lock:
            package = self.package(key)
            if package is None:
                raise ValueError(f"unknown package {key!r}")
            return {
                "package_id": package.package_id,
                "number": package.number,
                "seller_id": package.seller_id,
                "generation": package.generation,
                "type": package.package_type,
                "status": package.status,
                "polls": package.polls,
                "url": package.url,
                "rows": [_jsonable(row) for row in package.rows],
                "results": package.results,
            }


def _decimal(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _result(row, errors):
    return {
        "sku": row.get("sku"),
        "ean": row.get("ean"),
        "status": "Rejected" if errors else "Integrated",
        "errors": errors,
    }


def _jsonable(row):
    return {key: str(v) if isinstance(v, Decimal) else v for key, v in row.items()}
