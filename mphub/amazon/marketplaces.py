"""Amazon regions and marketplaces (SP-API endpoints, marketplace ids)."""

from dataclasses import dataclass

REGIONS = {
    # code: (label, SP-API endpoint, AWS region of the legacy signing)
    "eu": ("Europe", "https://sellingpartnerapi-eu.amazon.com", "eu-west-1"),
    "na": ("North America", "https://sellingpartnerapi-na.amazon.com", "us-east-1"),
    "fe": ("Far East", "https://sellingpartnerapi-fe.amazon.com", "us-west-2"),
}
LWA_URL = "https://api.amazon.com/auth/o2/token"


@dataclass(frozen=True)
class Marketplace:
    code: str  # ISO country code (UK for the United Kingdom, as Amazon does)
    marketplace_id: str
    country: str  # ISO 3166-1 alpha-2
    currency: str
    sales_channel: str
    region: str  # key of REGIONS
    language: str  # issue locale of listings and feeds


MARKETPLACES = (
    Marketplace("FR", "A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr", "eu", "fr_FR"),
    Marketplace("DE", "A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "eu", "de_DE"),
    Marketplace("ES", "A1RKKUPIHCS9HS", "ES", "EUR", "Amazon.es", "eu", "es_ES"),
    Marketplace("IT", "APJ6JRA9NG5V4", "IT", "EUR", "Amazon.it", "eu", "it_IT"),
    Marketplace("UK", "A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk", "eu", "en_GB"),
    Marketplace("NL", "A1805IZSGTT6HS", "NL", "EUR", "Amazon.nl", "eu", "nl_NL"),
    Marketplace("BE", "AMEN7PMS3EDWL", "BE", "EUR", "Amazon.com.be", "eu", "fr_BE"),
    Marketplace("PL", "A1C3SOZRARQ6R3", "PL", "PLN", "Amazon.pl", "eu", "pl_PL"),
    Marketplace("SE", "A2NODRKZP88ZB9", "SE", "SEK", "Amazon.se", "eu", "sv_SE"),
    Marketplace("US", "ATVPDKIKX0DER", "US", "USD", "Amazon.com", "na", "en_US"),
    Marketplace("CA", "A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca", "na", "en_CA"),
    Marketplace("JP", "A1VC38T7YXB528", "JP", "JPY", "Amazon.co.jp", "fe", "ja_JP"),
)
_BY_ID = {m.marketplace_id: m for m in MARKETPLACES}


def by_id(marketplace_id):
    """The ``Marketplace`` of an id, None when unknown."""
    return _BY_ID.get(marketplace_id) if isinstance(marketplace_id, str) else None
