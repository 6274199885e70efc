"""The Amazon emulator's Product Pricing answers agree with the official
models (productPricingV0.json, productPricing_2022-05-01.json): real answers
over HTTP, validated against their definitions, with no key the model does
not declare."""

import pytest
from mphub.amazon import pricing_fees
from mphub.sandbox.amazon import FR, AmazonEmulator
from mphub.sandbox.amazon_listings import asin_of
from mphub.sandbox.server import EmulatorServer

from .conftest import load_contract
from .test_amazon_contract import SELLER, Api, Swagger2


@pytest.fixture(scope="module")
def pricing_model():
    return Swagger2(load_contract("amazon/productPricingV0.json"))


@pytest.fixture(scope="module")
def world():
    emulator = AmazonEmulator(rate_scale=1000, feed_processing_seconds=0)
    server = EmulatorServer(emulator).start()
    skus = emulator.create_listings(SELLER, 4)
    try:
        yield emulator, Api(server.url), skus
    finally:
        server.stop()


def all_asins(emulator):
    return [asin_of(emulator.seed, p["sku"]) for p in emulator.products]


def item_request(asin, condition="New"):
    return {
        "uri": f"/products/pricing/v0/items/{asin}/offers",
        "method": "GET",
        "MarketplaceId": FR,
        "ItemCondition": condition,
        "CustomerType": "Consumer",
    }


def test_item_offers_batch_validates(world, pricing_model):
    emulator, api, _skus = world
    asins = all_asins(emulator)
    # every shape in turn: no offers, more than 20, used, unknown ASIN
    for start in range(0, len(asins), 19):
        chunk = [item_request(a) for a in asins[start : start + 19]]
        chunk.append(item_request("B0ZZZZZZZZ", "Used"))
        body = {"requests": chunk}
        assert pricing_model.check("GetItemOffersBatchRequest", body) == []
        answer = api.call("POST", "/batches/products/pricing/v0/itemOffers", json=body)
        assert pricing_model.check("GetItemOffersBatchResponse", answer) == []
        codes = [r["status"]["statusCode"] for r in answer["responses"]]
        assert codes[-1] == 400 and set(codes[:-1]) == {200}
    states = set()
    for asin in asins:
        result = emulator.offers_result(asin, FR, "New", SELLER)
        states.add(result["status"])
        states.add(len(result["Offers"]) == 20)
    assert states == {"Success", "NoBuyableOffers", True, False}


def test_single_and_listing_offers_validate(world, pricing_model):
    emulator, api, skus = world
    params = {"MarketplaceId": FR, "ItemCondition": "New"}
    for asin in all_asins(emulator)[:10]:
        answer = api.call(
            "GET", f"/products/pricing/v0/items/{asin}/offers", params=params
        )
        assert pricing_model.check("GetOffersResponse", answer) == []
    answer = api.call(
        "GET", f"/products/pricing/v0/listings/{skus[0]}/offers", params=params
    )
    assert pricing_model.check("GetOffersResponse", answer) == []
    assert any(o.get("MyOffer") for o in answer["payload"]["Offers"])
    error = api.call(
        "GET", "/products/pricing/v0/items/B0ZZZZZZZZ/offers", 400, params=params
    )
    assert pricing_model.check("Errors", error) == []
    batch = {
        "requests": [
            {
                "uri": f"/products/pricing/v0/listings/{skus[1]}/offers",
                "method": "GET",
                "MarketplaceId": FR,
                "ItemCondition": "New",
            }
        ]
    }
    answer = api.call("POST", "/batches/products/pricing/v0/listingOffers", json=batch)
    assert pricing_model.check("GetListingOffersBatchResponse", answer) == []


def test_batch_of_21_is_refused(world, pricing_model):
    emulator, api, _skus = world
    body = {"requests": [item_request(a) for a in all_asins(emulator)[:21]]}
    error = api.call("POST", "/batches/products/pricing/v0/itemOffers", 400, json=body)
    assert pricing_model.check("Errors", error) == []


@pytest.fixture(scope="module")
def fees_model():
    return Swagger2(load_contract("amazon/productFeesV0.json"))


def fees_request(sku, amount, fba=False):
    return {
        "FeesEstimateRequest": {
            "MarketplaceId": FR,
            "IsAmazonFulfilled": fba,
            "PriceToEstimateFees": {
                "ListingPrice": {"CurrencyCode": "EUR", "Amount": amount}
            },
            "Identifier": sku,
        }
    }


def test_fees_estimates_validate(world, fees_model):
    emulator, api, skus = world
    asin = all_asins(emulator)[0]
    body = [
        {"IdType": "SellerSKU", "IdValue": skus[0], **fees_request(skus[0], 19.9)},
        {"IdType": "ASIN", "IdValue": asin, **fees_request(asin, 5, fba=True)},
        {"IdType": "SellerSKU", "IdValue": "NOPE", **fees_request("NOPE", 5)},
    ]
    assert fees_model.check("GetMyFeesEstimatesRequest", body) == []
    answer = api.call("POST", "/products/fees/v0/feesEstimate", json=body)
    assert fees_model.check("GetMyFeesEstimatesResponse", answer) == []
    assert [r["Status"] for r in answer] == ["Success", "Success", "ClientError"]
    single = api.call(
        "POST",
        f"/products/fees/v0/listings/{skus[1]}/feesEstimate",
        json=fees_request(skus[1], 12.5, fba=True),
    )
    assert fees_model.check("GetMyFeesEstimateResponse", single) == []
    fees = single["payload"]["FeesEstimateResult"]["FeesEstimate"]["FeeDetailList"]
    assert "FBAFees" in {fee["FeeType"] for fee in fees}


class Swagger2AllOf(Swagger2):
    """``Swagger2`` that also looks for undeclared keys under ``allOf``
    (2022-05-01's ``SegmentedFeaturedOffer`` is an ``Offer`` and more)."""

    def __init__(self, spec):
        definitions = {}
        for name, schema in spec["definitions"].items():
            definitions[name] = self._merged(spec, schema)
        super().__init__({**spec, "definitions": definitions})
        self.raw = spec

    @staticmethod
    def _merged(spec, schema):
        if "allOf" not in schema:
            return schema
        properties = {}
        for part in schema["allOf"]:
            while "$ref" in part:
                part = spec["definitions"][part["$ref"].split("/")[-1]]
            properties.update(part.get("properties", {}))
        return {**schema, "properties": properties}


@pytest.fixture(scope="module")
def summary_model():
    return Swagger2AllOf(load_contract("amazon/productPricing_2022-05-01.json"))


SUMMARY_URI = "/products/pricing/2022-05-01/items/competitiveSummary"
SUMMARY_PATH = "/batches/products/pricing/2022-05-01/items/competitiveSummary"
ALL_DATA = ["featuredBuyingOptions", "referencePrices", "lowestPricedOffers"]


def summary_request(asin, included=None, inputs=None):
    request = {
        "asin": asin,
        "marketplaceId": FR,
        "includedData": included or ALL_DATA + ["similarItems"],
        "method": "GET",
        "uri": SUMMARY_URI,
    }
    if inputs is not None:
        request["lowestPricedOffersInputs"] = inputs
    return request


def test_competitive_summary_validates(world, summary_model):
    emulator, api, _skus = world
    asins = all_asins(emulator)
    both = [
        {"itemCondition": "New", "offerType": "Consumer"},
        {"itemCondition": "Used", "offerType": "Consumer"},
    ]
    seen = set()
    for start in range(0, len(asins), 18):
        chunk = [summary_request(a, inputs=both) for a in asins[start : start + 18]]
        chunk.append(summary_request("B0ZZZZZZZZ"))
        chunk.append(summary_request(asins[start], included=["nothing"]))
        body = {"requests": chunk}
        # documented requests, but the last one's includedData
        valid = {"requests": chunk[:-1]}
        assert summary_model.check("CompetitiveSummaryBatchRequest", valid) == []
        assert summary_model.check("CompetitiveSummaryBatchRequest", body) != []
        answer = api.call("POST", SUMMARY_PATH, json=body)
        assert summary_model.check("CompetitiveSummaryBatchResponse", answer) == []
        codes = [r["status"]["statusCode"] for r in answer["responses"]]
        assert codes[-2:] == [400, 400] and set(codes[:-2]) == {200}
        for response in answer["responses"][:-2]:
            body = response["body"]
            seen.update(key for key in body if body[key])
            featured = body.get("featuredBuyingOptions") or []
            seen.update(
                f"segments{len(option['segmentedFeaturedOffers'])}"
                for option in featured
            )
            for group in body.get("lowestPricedOffers", []):
                seen.add(group["lowestPricedOffersInput"]["itemCondition"])
                seen.update(
                    "shipping" if "shippingOptions" in offer else "no shipping"
                    for offer in group["offers"]
                )
        assert "InvalidInput" in answer["responses"][-1]["body"]["errors"][0]["code"]
    # the variety the model allows: featured or not, one or two segments,
    # new and used offers, shipping stated or not, similar items or none
    assert {"featuredBuyingOptions", "lowestPricedOffers", "referencePrices"} <= seen
    assert {"similarItems", "segments1", "segments2", "New", "Used"} <= seen
    assert {"shipping", "no shipping"} <= seen


def test_competitive_summary_asks_only_what_is_included(world, summary_model):
    emulator, api, _skus = world
    asin = all_asins(emulator)[1]
    answer = api.call(
        "POST",
        SUMMARY_PATH,
        json={"requests": [summary_request(asin, included=["referencePrices"])]},
    )
    assert summary_model.check("CompetitiveSummaryBatchResponse", answer) == []
    assert set(answer["responses"][0]["body"]) <= {
        "asin",
        "marketplaceId",
        "referencePrices",
    }


def test_competitive_summary_batch_of_21_is_refused(world, summary_model):
    emulator, api, _skus = world
    body = {"requests": [summary_request(a) for a in all_asins(emulator)[:21]]}
    assert summary_model.check("CompetitiveSummaryBatchRequest", body) != []
    error = api.call("POST", SUMMARY_PATH, 400, json=body)
    assert summary_model.check("Errors", error) == []


def test_client_reads_the_validated_summary(world, summary_model):
    emulator, api, _skus = world

    asins = all_asins(emulator)[:20]
    body = {"requests": [pricing_fees.summary_request(a, FR) for a in asins]}
    assert summary_model.check("CompetitiveSummaryBatchRequest", body) == []
    answer = api.call("POST", SUMMARY_PATH, json=body)
    assert summary_model.check("CompetitiveSummaryBatchResponse", answer) == []
    for asin, entry in zip(asins, answer["responses"], strict=True):
        result = pricing_fees.read_summary(entry, asin, SELLER)
        assert result.error is None
        new = sum(
            1 for o in emulator.all_offers(asin, FR, SELLER) if o["condition"] == "New"
        )
        found = len(result.offers) + (result.own_offer is not None)
        # the 20 lowest, and the featured ones when they are not among them
        assert min(20, new) <= found <= min(20, new) + 2
