"""``MiraklClient.competitor_offers`` (P11) against the sandbox emulator,
over real HTTP; and the reading of P11 records."""

from decimal import Decimal

import pytest
from mphub.mirakl import competitors
from mphub.mirakl.client import MiraklClient
from mphub.pricing import ProductOffers
from mphub.sandbox import catalog

KEY = "sandbox-carrefour-key"
ME, OTHER = 2001, 2002
SEED = 42


def ean(index):
    return catalog.product(SEED, index)["ean"]


@pytest.fixture
def shops(mirakl):
    mirakl.create_offers(ME, 5, quantity=4)
    mirakl.create_offers(OTHER, 5, quantity=4)
    return mirakl


@pytest.fixture
def client(mirakl_url, shops):
    client = MiraklClient(mirakl_url, KEY, shop_id=str(ME), timeout=5)
    yield client
    client.close()


def test_own_offer_competitors_and_their_fields(client, shops):
    shops.set_competitors(
        ean(0),
        [
            {"shop_id": 9001, "shop_name": "Pro", "price": "20.00", "shipping": "2.90",
             "shop_grade": 4.6, "nb_evaluation": 120, "state_code": "11"},
            {"shop_id": 9002, "shop_name": "Someone", "price": "0.01",
             "is_professional": False, "shop_grade": 0, "state_code": "3"},
        ],
    )  # fmt: skip
    (product,) = client.competitor_offers([ean(0)])
    assert isinstance(product, ProductOffers) and product.error is None
    assert (product.reference, product.reference_type) == (ean(0), "EAN")
    assert product.marketplace_product_id == "MKP00000001"
    assert product.title == catalog.product(SEED, 0)["name"]
    own = product.own_offer
    assert own.own and own.seller_id == str(ME)
    assert own.price == Decimal(catalog.product(SEED, 0)["price"])
    sellers = {offer.seller_id: offer for offer in product.offers}
    assert set(sellers) == {str(OTHER), "9001", "9002"}
    pro, private = sellers["9001"], sellers["9002"]
    assert (pro.price, pro.shipping, pro.landed) == (
        Decimal("20.00"),
        Decimal("2.90"),
        Decimal("22.90"),
    )
    assert (pro.rating, pro.rating_count, pro.condition) == (Decimal("4.60"), 120, "11")
    assert pro.seller_type == "professional" and pro.fulfilment is None
    assert private.seller_type == "private" and private.rating is None
    assert private.price == Decimal("0.01") and private.condition == "3"
    # the cheapest landed price is the operator's first offer
    assert private.featured and not pro.featured and not own.featured
    assert [o for o in product.offers if o.featured] == [private]


def test_the_own_offer_can_be_the_featured_one(client, shops):
    shops.set_competitors(
        ean(1), [{"shop_id": 9001, "shop_name": "Dear", "price": "999.00"}]
    )
    (product,) = client.competitor_offers([ean(1)])
    assert product.own_offer.featured
    assert not any(offer.featured for offer in product.offers)


def test_premium_then_grade_break_a_tie_for_featured(client, shops):
    shops.set_competitors(
        ean(2),
        [
            {"shop_id": 9001, "shop_name": "A", "price": "1.00", "shop_grade": 4.9},
            {"shop_id": 9002, "shop_name": "B", "price": "1.00", "premium": True},
        ],
    )
    (product,) = client.competitor_offers([ean(2)])
    assert [o.seller for o in product.offers if o.featured] == ["B"]


def test_errors_stay_on_their_product_in_the_order_asked(client, shops):
    unknown = "3760000000000"
    answers = client.competitor_offers(
        [ean(3), unknown, "12,34", ("UPC", "A|B"), ean(3), ("SKU", "MKP00000005")]
    )
    assert [a.reference for a in answers] == [
        ean(3),
        unknown,
        "12,34",
        "A|B",
        "MKP00000005",
    ]
    assert answers[0].error is None and answers[0].own_offer is not None
    assert "does not know" in answers[1].error and not answers[1].offers
    assert "cannot be asked" in answers[2].error
    assert "cannot be asked" in answers[3].error
    assert answers[4].reference_type == "SKU" and answers[4].error is None
    assert answers[4].marketplace_product_id == "MKP00000005"
    assert shops.stats.calls("P11") == 1


def test_references_go_by_hundreds(client, shops):
    eans = [ean(i) for i in range(150)]
    answers = client.competitor_offers(eans)
    assert [a.reference for a in answers] == eans
    assert all(a.error is None for a in answers)
    assert shops.stats.calls("P11") == 2


def test_offer_pages_are_walked_per_product(client, shops):
    shops.set_competitors(
        ean(4),
        [
            {"shop_id": 5000 + n, "shop_name": f"Shop {n}", "price": f"{n + 1}.00"}
            for n in range(230)
        ],
    )
    few, many = client.competitor_offers([ean(3), ean(4)])
    assert len(many.offers) == 230 + 1  # and the other sandbox shop's
    assert many.own_offer is not None
    assert len({o.seller_id for o in many.offers}) == len(many.offers)
    assert few.error is None and few.own_offer is not None
    assert shops.stats.calls("P11") == 3  # offsets 0, 100, 200 (the 2nd alone)


def test_without_a_shop_id_the_account_says_which_offer_is_own(mirakl_url, shops):
    client = MiraklClient(mirakl_url, KEY, timeout=5)
    (product,) = client.competitor_offers([ean(0)])
    client.close()
    assert product.own_offer is not None and product.own_offer.seller_id == str(ME)
    assert shops.stats.calls("A01") == 1


def test_a_configured_shop_id_needs_no_account_call(client, shops):
    client.competitor_offers([ean(0)])
    assert shops.stats.calls("A01") == 0


def test_no_reference_no_call(client, shops):
    assert client.competitor_offers([]) == []
    assert shops.stats.calls("P11") == 0


def test_capability():
    assert "competitors" in MiraklClient.capabilities


# -- reading P11 records -------------------------------------------------------
def test_an_offer_without_a_readable_price_is_left_out():
    raws = [
        {"shop_id": 1, "shop_name": "A", "price": "12,50"},
        {"shop_id": 2, "shop_name": "B", "price": 12.5, "shop_grade": "great"},
        {"shop_name": "Me", "price": 11},
    ]
    offers = competitors.read_product_offers(raws, "7", "Me")
    assert [(o.seller, o.price, o.rating) for o in offers] == [
        ("B", Decimal("12.50"), None),
        ("Me", Decimal("11.00"), None),
    ]
    assert offers[1].own and offers[1].featured  # own by name: no shop_id given


def test_a_shapeless_answer_is_transient():
    from mphub.errors import TransientError

    with pytest.raises(TransientError):
        competitors.read_products({"offers": []})
