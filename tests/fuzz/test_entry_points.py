"""Every entry point that reads a marketplace answer, fed hostile input:
Mirakl OF21 offers and pages, STO02/PRI02 statuses, STO03/PRI03 error
reports, OR11 pages, order states and SH21 carriers; Amazon listings and
pages, patchListingsItem answers, feeds and processing reports (cut short,
not UTF-8), getOrders and getOrderItems pages, confirmShipment items; the
Retry-After and x-amzn-RateLimit-Limit headers; and the order mapping of
both connectors with its sale order plan. Each maps to a sane result or
raises a project error (``MPHUB_FUZZ_EXAMPLES`` examples each)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .entry_points import BY_NAME
from .fuzzing import assert_rule, fuzz_settings


@pytest.mark.parametrize("name", sorted(BY_NAME))
@fuzz_settings
@given(data=st.data())
def test_entry_point_maps_or_raises_a_project_error(name, data):
    entry = BY_NAME[name]
    assert_rule(entry, data.draw(entry.strategy, label=name))
