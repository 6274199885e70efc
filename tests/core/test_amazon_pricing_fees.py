"""The Amazon client's fee estimates (Product Fees v0 through
python-amazon-sp-api's ProductFees, unmodified) against the emulator, over
real HTTP."""

from decimal import ROUND_HALF_UP, Decimal

from mphub import errors
from mphub.amazon.pricing_fees import read_estimate
from mphub.sandbox.amazon_pricing_fees import CATEGORIES, category_of, fba_fee

from .test_amazon_pricing import SELLER, box, emulator, make_client  # noqa: F401


def expected(amazon, sku, price, fba):
    asin = amazon.listing_record(SELLER, sku)["asin"]
    percent, minimum, closing = CATEGORIES[category_of(asin)]
    referral = (price * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    referral = max(minimum, referral)
    weight = amazon.product_of_asin(asin)["weight"]
    return referral + closing + (fba_fee(weight) if fba else 0)


def test_fees_per_item_in_chunks_of_20(box, emulator):  # noqa: F811
    skus = emulator.create_listings(SELLER, 25)
    items = [
        (sku, Decimal("19.90") + n, "EUR", n % 2 == 0) for n, sku in enumerate(skus)
    ]
    fees = make_client(box).fee_estimates(items)
    assert emulator.get_stats()["getMyFeesEstimates"]["calls"] == 2
    assert fees == [expected(emulator, s, p, fba) for s, p, _c, fba in items]
    assert all(isinstance(fee, Decimal) for fee in fees)


def test_unknown_sku_and_low_price_keep_their_own_answer(box, emulator):  # noqa: F811
    skus = emulator.create_listings(SELLER, 1)
    fees = make_client(box).fee_estimates(
        [("NO-SUCH", Decimal("10"), "EUR", False), (skus[0], Decimal("0.50"), "EUR", 0)]
    )
    assert isinstance(fees[0], errors.RemoteError) and "NO-SUCH" in str(fees[0])
    # the referral fee's minimum (or media's closing fee) for a low price
    assert fees[1] == expected(emulator, skus[0], Decimal("0.50"), False)
    assert fees[1] >= Decimal("0.30")


def test_unreadable_estimates_are_errors():
    assert isinstance(read_estimate(None), errors.RemoteError)
    assert isinstance(read_estimate({"Status": "Success"}), errors.RemoteError)
    assert read_estimate(
        {"Status": "Success", "FeesEstimate": {"TotalFeesEstimate": {"Amount": 2.5}}}
    ) == Decimal("2.50")
