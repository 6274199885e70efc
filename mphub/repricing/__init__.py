"""The repricing engine: floors from real costs, strategies against the
competitors' offers, guards, and a sentence explaining every decision."""

from .engine import decide, run
from .model import (
    Ceiling,
    Conditions,
    Costs,
    Decision,
    Explanation,
    Fallbacks,
    Filters,
    Floor,
    Guards,
    OfferInput,
    Rule,
    RunResult,
    Strategy,
    TEMPLATES,
    floor_of,
)
