"""One case per class of defect the fuzzers found (each failed before)."""

import copy
import gzip
import json

import pytest
from mphub.amazon import answers
from mphub.errors import InvalidPayload, TransientError
from mphub.mirakl import offers as mirakl_offers

from . import samples


def offer(**changes):
    return dict(copy.deepcopy(samples.MIRAKL_OFFER), **changes)


def item(**changes):
    return dict(copy.deepcopy(samples.AMAZON_LISTING), **changes)


def test_booleans_given_as_text_are_read_as_such():
    assert mirakl_offers.map_listing(offer(active="false")).active is False
    assert mirakl_offers.map_listing(offer(active="TRUE")).active is True
    with pytest.raises(InvalidPayload, match="active"):
        mirakl_offers.map_listing(offer(active="maybe"))


def test_a_status_text_is_not_searched_for_a_substring():
    summary = dict(samples.AMAZON_LISTING["summaries"][0], status="NOT_BUYABLE")
    with pytest.raises(InvalidPayload, match="status"):
        answers.map_listing_item(item(summaries=[summary]), samples.FR)
    summary["status"] = ["NOT_BUYABLE"]
    assert (
        answers.map_listing_item(item(summaries=[summary]), samples.FR).active is False
    )


@pytest.mark.parametrize("sku", ["   ", "\t", "A\x00B", "x" * 300, 12, None])
def test_blank_or_control_skus_are_refused(sku):
    with pytest.raises(InvalidPayload, match="shop_sku"):
        mirakl_offers.map_listing(offer(shop_sku=sku))
    with pytest.raises(InvalidPayload, match="sku"):
        answers.map_listing_item(item(sku=sku), samples.FR)


@pytest.mark.parametrize("quantity", [-1, 1.5, "12", float("nan"), 10**30, True, [3]])
def test_quantities_are_whole_numbers_from_zero(quantity):
    with pytest.raises(InvalidPayload, match="quantity"):
        mirakl_offers.map_listing(offer(quantity=quantity))


@pytest.mark.parametrize("price", [-1, "1e400", 1e300, "12,90", float("inf")])
def test_prices_are_finite_amounts(price):
    with pytest.raises(InvalidPayload, match="price"):
        mirakl_offers.map_listing(offer(price=price))


def test_wrong_types_reaching_get_are_reasons_not_crashes():
    with pytest.raises(InvalidPayload, match="offers"):
        answers.map_listing_item(item(offers=["x"]), samples.FR)
    with pytest.raises(InvalidPayload, match="attributes"):
        answers.map_listing_item(item(attributes=[1]), samples.FR)
    with pytest.raises(InvalidPayload, match="product_references"):
        mirakl_offers.map_listing(offer(product_references=[1]))


@pytest.mark.parametrize("status", ["SOMETHING_NEW", 3, None, ["COMPLETE"]])
def test_an_unknown_import_status_is_pending_not_a_success(status):
    info = dict(samples.MIRAKL_STOCK_STATUS, status=status)
    result, has_report = mirakl_offers.read_import_status(info, "STO02")
    assert not result.done and not has_report


def test_lines_in_error_without_a_report_fail_the_batch():
    info = dict(samples.MIRAKL_STOCK_STATUS, has_error_report="false")
    result, has_report = mirakl_offers.read_import_status(info, "STO02")
    assert result.done and result.failed and not has_report


@pytest.mark.parametrize("status", ["DONE_WITH_ERRORS", "", 1, None])
def test_an_unknown_feed_status_is_pending_not_a_success(status):
    feed = dict(samples.AMAZON_FEED, processingStatus=status)
    state, _document = answers.read_feed(feed)
    assert not answers.feed_push_status(state, None).done


def test_a_done_feed_without_report_is_asked_again():
    with pytest.raises(TransientError):
        answers.feed_push_status("DONE", None)


def test_an_error_no_offer_can_be_blamed_for_fails_the_batch():
    report = copy.deepcopy(samples.AMAZON_REPORT)
    report["issues"][0]["messageId"] = 99
    status = answers.feed_push_status(
        "DONE", answers.read_processing_report(json.dumps(report).encode()), ["A"]
    )
    assert status.done and status.failed


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(samples.AMAZON_REPORT).encode()[:50],
        gzip.compress(json.dumps(samples.AMAZON_REPORT).encode())[:40],
        b'{"issues": [{"message": "\xff"}]}',
        b"[" * 100_000,
    ],
)
def test_cut_short_or_not_utf8_reports_are_asked_again(content):
    with pytest.raises(TransientError):
        answers.read_processing_report(content)


def test_a_report_of_the_wrong_shape_is_not_a_success():
    with pytest.raises(InvalidPayload):
        answers.read_processing_report(b"[]")


@pytest.mark.parametrize("status", ["VALID", "INVALID", "SOMETHING", None])
def test_a_patch_is_accepted_only_when_amazon_says_so(status):
    answer = dict(samples.AMAZON_PATCH_ANSWER, status=status)
    assert answers.patch_answer_errors(answer)


def test_error_reports_without_a_sku_column_are_not_empty():
    with pytest.raises(InvalidPayload, match="offer-sku"):
        mirakl_offers.parse_error_report('"line";"why"\n"2";"bad"\n')
    report = '"offer-sku";"error-message"\n"A\x00";"x"\n"B";"bad\x00 one"\n'
    assert mirakl_offers.parse_error_report(report) == {"B": "bad  one"}
