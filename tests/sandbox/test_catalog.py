"""The shared product catalogue and buyer pool."""

from decimal import Decimal

from mphub.sandbox import catalog, customers


def test_products_are_deterministic_and_prefix_stable():
    items = catalog.products(42, 60)
    assert items == catalog.products(42, 60)
    assert catalog.products(42, 10) == items[:10]
    assert catalog.products(43, 10) != items[:10]
    assert catalog.products() == items


def test_product_fields():
    items = catalog.products(42, 60)
    assert [p["sku"] for p in items] == [f"MPH-{i:04d}" for i in range(1, 61)]
    assert len({p["ean"] for p in items}) == 60
    assert all(catalog.is_valid_ean13(p["ean"]) for p in items)
    for item in items:
        price = Decimal(item["price"])
        assert price > 0 and price == price.quantize(Decimal("0.01"))
        assert item["price"] == f"{price:.2f}"
        assert isinstance(item["weight"], float) and item["weight"] > 0
        assert item["name"]
    rates = [p["tax_rate"] for p in items]
    assert set(rates) == {"20.0", "10.0", "5.5"}
    assert rates.count("20.0") > len(rates) / 2


def test_ean13_helpers():
    assert catalog.ean13_checksum("376042000000") == "0"
    assert catalog.is_valid_ean13("4006381333931")
    assert not catalog.is_valid_ean13("4006381333932")
    assert not catalog.is_valid_ean13("400638133393")
    assert not catalog.is_valid_ean13(4006381333931)


def test_unknown_skus_are_never_in_the_catalogue():
    skus = {p["sku"] for p in catalog.products(42, 500)}
    assert catalog.unknown_sku(7) == "UNKNOWN-00007"
    assert not {catalog.unknown_sku(n) for n in range(1000)} & skus


def test_buyers():
    pool = customers.customers(42)
    assert len(pool) == customers.POOL_SIZE == 300
    assert pool == customers.customers(42)
    assert customers.customers(42, 5) == pool[:5]
    assert customers.customers(43, 5) != pool[:5]
    companies = [c for c in pool if c["organization"]]
    assert 15 <= len(companies) <= 45
    assert {c["address"]["country_iso_code"] for c in pool} == {"FRA", "BEL"}
    for buyer in pool:
        assert buyer["civility"] in ("M", "MME")
        assert buyer["address"]["zip_code"] and buyer["shipping_address"]["city"]
    for company in companies:
        vat = company["organization"]["tax_identification_number"]
        assert vat[:2] in ("FR", "BE")


def test_vat_numbers_have_valid_keys():
    # published examples: SIREN 404 833 048 -> FR83404833048
    assert customers.french_vat_number(404833048) == "FR83404833048"
    vat = customers.belgian_vat_number(123)
    assert vat.startswith("BE0") and len(vat) == 12
    assert 97 - int(vat[2:10]) % 97 == int(vat[10:])
