"""Mirakl operator profiles: presets applied when a backend is set up.

Every Mirakl operator runs its own instance of the same seller API; what
differs is the instance URL (given by the operator in the seller back
office), the sales channels, the carriers it knows (SH21) and a few
workflow habits. A profile only pre-fills the backend; every value stays
editable.
"""

from dataclasses import dataclass

# States whose orders become sale orders by default: from the seller's
# decision on. STAGING orders are not final (fraud check) and orders already
# shipped, received or closed when first seen are history, not work.
DEFAULT_IMPORT_STATES = (
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
)
COMMON_CARRIERS = (
    # (carrier name as staff know it, usual Mirakl carrier code)
    ("Colissimo", "COLISSIMO"),
    ("Chronopost", "CHRONOPOST"),
    ("DPD", "DPD"),
    ("GLS", "GLS"),
    ("UPS", "UPS"),
    ("DHL", "DHL"),
)


@dataclass(frozen=True)
class OperatorProfile:
    code: str
    name: str
    country: str  # ISO alpha-2 of the main storefront
    channels: tuple = ("FR",)
    import_states: tuple = DEFAULT_IMPORT_STATES
    carriers: tuple = COMMON_CARRIERS
    partial_acceptance: bool = True
    endpoint_hint: str = "https://<instance>.mirakl.net"


PROFILES = {
    profile.code: profile
    for profile in (
        OperatorProfile(code="carrefour", name="Carrefour", country="FR"),
        OperatorProfile(code="boulanger", name="Boulanger", country="FR"),
        OperatorProfile(
            code="leroymerlin",
            name="Leroy Merlin",
            country="FR",
            channels=("FR", "ES", "IT", "PT"),
        ),
        OperatorProfile(code="conforama", name="Conforama", country="FR"),
        OperatorProfile(code="other", name="Other Mirakl operator", country="FR"),
    )
}


def get_profile(code):
    return PROFILES.get(code) or PROFILES["other"]
