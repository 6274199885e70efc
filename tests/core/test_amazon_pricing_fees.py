"""The Amazon client's fee estimates (Product Fees v0 through
python-amazon-sp-api's ProductFees, unmodified) against the emulator, over
real HTTP."""

from decimal import ROUND_HALF_UP, Decimal

from mphub import errors
from mphub.amazon.pricing_fees import read_estimate
from mphub.pricing import FeeEstimate
from mphub.sandbox.amazon_pricing_fees import CATEGORIES, category_of, fba_fee

from .test_amazon_pricing import SELLER, box, emulator, make_client  # noqa: F401


def parts(amazon, sku, price, fba):
    """(referral fee, the other fees) as the emulator charges them."""
    asin = amazon.listing_record(SELLER, sku)["asin"]
    percent, minimum, closing = CATEGORIES[category_of(asin)]
    referral = (price * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    referral = max(minimum, referral)
    weight = amazon.product_of_asin(asin)["weight"]
    return referral, closing + (fba_fee(weight) if fba else 0)


def expected(amazon, sku, price, fba):
    return sum(parts(amazon, sku, price, fba))


def test_fees_per_item_in_chunks_of_20(box, emulator):  # noqa: F811
    skus = emulator.create_listings(SELLER, 25)
    items = [
        (sku, Decimal("19.90") + n, "EUR", n % 2 == 0) for n, sku in enumerate(skus)
    ]
    fees = make_client(box).fee_estimates(items)
    assert emulator.get_stats()["getMyFeesEstimates"]["calls"] == 2
    assert [f.total for f in fees] == [
        expected(emulator, s, p, fba) for s, p, _c, fba in items
    ]
    assert all(isinstance(fee, FeeEstimate) for fee in fees)
    # split: the referral fee grows with the price, closing and FBA fees not
    for fee, (sku, price, _currency, fba) in zip(fees, items, strict=True):
        referral, fixed = parts(emulator, sku, price, fba)
        assert (fee.price, fee.variable, fee.fixed) == (price, referral, fixed)


def test_the_fees_at_a_candidate_price_keep_the_fixed_fees_fixed(box, emulator):  # noqa: F811
    """An FBA offer's fulfilment fee does not shrink with the price: the
    fees the estimate gives at a lower price are the referral rate of that
    price plus the same fixed fees, what Amazon estimates there."""
    sku = emulator.create_listings(SELLER, 1)[0]
    client = make_client(box)
    high, low = client.fee_estimates(
        [(sku, Decimal("40.00"), "EUR", True), (sku, Decimal("20.00"), "EUR", True)]
    )
    assert high.fixed > 0 and high.fixed == low.fixed
    assert high.at(Decimal("20.00")).quantize(Decimal("0.01")) == low.total
    # a plain rate of the total would have lost half the fixed fees
    assert high.total / high.price * Decimal("20.00") < low.total


def test_unknown_sku_and_low_price_keep_their_own_answer(box, emulator):  # noqa: F811
    skus = emulator.create_listings(SELLER, 1)
    fees = make_client(box).fee_estimates(
        [("NO-SUCH", Decimal("10"), "EUR", False), (skus[0], Decimal("0.50"), "EUR", 0)]
    )
    assert isinstance(fees[0], errors.RemoteError) and "NO-SUCH" in str(fees[0])
    # the referral fee's minimum (or media's closing fee) for a low price
    assert fees[1].total == expected(emulator, skus[0], Decimal("0.50"), False)
    assert fees[1].total >= Decimal("0.30")


def test_unreadable_estimates_are_errors():
    assert isinstance(read_estimate(None), errors.RemoteError)
    assert isinstance(read_estimate({"Status": "Success"}), errors.RemoteError)
    estimate = read_estimate(
        {"Status": "Success", "FeesEstimate": {"TotalFeesEstimate": {"Amount": 2.5}}}
    )
    # no detail: all of it scales with the price, as a rate
    assert (estimate.total, estimate.variable, estimate.fixed) == (
        Decimal("2.50"),
        Decimal("2.50"),
        Decimal("0.00"),
    )


def _detail(kind, amount, final=None):
    node = {"FeeType": kind, "FeeAmount": {"CurrencyCode": "EUR", "Amount": amount}}
    if final is not None:
        node["FinalFee"] = {"CurrencyCode": "EUR", "Amount": final}
    return node


def test_the_detail_list_splits_the_fees_and_may_stand_for_the_total():
    result = {
        "Status": "Success",
        "FeesEstimateIdentifier": {
            "PriceToEstimateFees": {"ListingPrice": {"Amount": 25.0}}
        },
        "FeesEstimate": {
            "TimeOfFeesEstimation": "2026-01-01T00:00:00Z",
            # TotalFeesEstimate is optional; FinalFee is after promotions
            "FeeDetailList": [
                _detail("ReferralFee", 3.75, 3.00),
                _detail("FBAFees", 2.70, 2.70),
                # no FinalFee (odd, but readable): the amount less the promotion
                dict(_detail("VariableClosingFee", 1.0), FeePromotion={"Amount": 0.4}),
                # 3 % of the others (6.30): its share follows theirs
                _detail("DigitalServicesFee", 0.19, 0.19),
            ],
        },
    }
    estimate = read_estimate(result)
    assert estimate.price == Decimal("25.00")
    assert estimate.total == Decimal("6.49")
    assert estimate.variable == Decimal("3.09")  # 3.00 + 0.19 * 3.00 / 6.30
    assert estimate.fixed == Decimal("3.40")
    assert estimate.rate == Decimal("3.09") / Decimal("25.00")
    # an asked price given by the caller wins over the echoed one
    assert read_estimate(result, Decimal("30.00")).price == Decimal("30.00")
