"""Country codes: marketplaces send ISO 3166 alpha-3 or alpha-2, Odoo wants alpha-2."""

import unicodedata

from .errors import InvalidPayload

# ISO 3166-1 alpha-3 -> alpha-2, every officially assigned code.
ALPHA3_TO_ALPHA2 = {
    "ABW": "AW",
    "AFG": "AF",
    "AGO": "AO",
    "AIA": "AI",
    "ALA": "AX",
    "ALB": "AL",
    "AND": "AD",
    "ARE": "AE",
    "ARG": "AR",
    "ARM": "AM",
    "ASM": "AS",
    "ATA": "AQ",
    "ATF": "TF",
    "ATG": "AG",
    "AUS": "AU",
    "AUT": "AT",
    "AZE": "AZ",
    "BDI": "BI",
    "BEL": "BE",
    "BEN": "BJ",
    "BES": "BQ",
    "BFA": "BF",
    "BGD": "BD",
    "BGR": "BG",
    "BHR": "BH",
    "BHS": "BS",
    "BIH": "BA",
    "BLM": "BL",
    "BLR": "BY",
    "BLZ": "BZ",
    "BMU": "BM",
    "BOL": "BO",
    "BRA": "BR",
    "BRB": "BB",
    "BRN": "BN",
    "BTN": "BT",
    "BVT": "BV",
    "BWA": "BW",
    "CAF": "CF",
    "CAN": "CA",
    "CCK": "CC",
    "CHE": "CH",
    "CHL": "CL",
    "CHN": "CN",
    "CIV": "CI",
    "CMR": "CM",
    "COD": "CD",
    "COG": "CG",
    "COK": "CK",
    "COL": "CO",
    "COM": "KM",
    "CPV": "CV",
    "CRI": "CR",
    "CUB": "CU",
    "CUW": "CW",
    "CXR": "CX",
    "CYM": "KY",
    "CYP": "CY",
    "CZE": "CZ",
    "DEU": "DE",
    "DJI": "DJ",
    "DMA": "DM",
    "DNK": "DK",
    "DOM": "DO",
    "DZA": "DZ",
    "ECU": "EC",
    "EGY": "EG",
    "ERI": "ER",
    "ESH": "EH",
    "ESP": "ES",
    "EST": "EE",
    "ETH": "ET",
    "FIN": "FI",
    "FJI": "FJ",
    "FLK": "FK",
    "FRA": "FR",
    "FRO": "FO",
    "FSM": "FM",
    "GAB": "GA",
    "GBR": "GB",
    "GEO": "GE",
    "GGY": "GG",
    "GHA": "GH",
    "GIB": "GI",
    "GIN": "GN",
    "GLP": "GP",
    "GMB": "GM",
    "GNB": "GW",
    "GNQ": "GQ",
    "GRC": "GR",
    "GRD": "GD",
    "GRL": "GL",
    "GTM": "GT",
    "GUF": "GF",
    "GUM": "GU",
    "GUY": "GY",
    "HKG": "HK",
    "HMD": "HM",
    "HND": "HN",
    "HRV": "HR",
    "HTI": "HT",
    "HUN": "HU",
    "IDN": "ID",
    "IMN": "IM",
    "IND": "IN",
    "IOT": "IO",
    "IRL": "IE",
    "IRN": "IR",
    "IRQ": "IQ",
    "ISL": "IS",
    "ISR": "IL",
    "ITA": "IT",
    "JAM": "JM",
    "JEY": "JE",
    "JOR": "JO",
    "JPN": "JP",
    "KAZ": "KZ",
    "KEN": "KE",
    "KGZ": "KG",
    "KHM": "KH",
    "KIR": "KI",
    "KNA": "KN",
    "KOR": "KR",
    "KWT": "KW",
    "LAO": "LA",
    "LBN": "LB",
    "LBR": "LR",
    "LBY": "LY",
    "LCA": "LC",
    "LIE": "LI",
    "LKA": "LK",
    "LSO": "LS",
    "LTU": "LT",
    "LUX": "LU",
    "LVA": "LV",
    "MAC": "MO",
    "MAF": "MF",
    "MAR": "MA",
    "MCO": "MC",
    "MDA": "MD",
    "MDG": "MG",
    "MDV": "MV",
    "MEX": "MX",
    "MHL": "MH",
    "MKD": "MK",
    "MLI": "ML",
    "MLT": "MT",
    "MMR": "MM",
    "MNE": "ME",
    "MNG": "MN",
    "MNP": "MP",
    "MOZ": "MZ",
    "MRT": "MR",
    "MSR": "MS",
    "MTQ": "MQ",
    "MUS": "MU",
    "MWI": "MW",
    "MYS": "MY",
    "MYT": "YT",
    "NAM": "NA",
    "NCL": "NC",
    "NER": "NE",
    "NFK": "NF",
    "NGA": "NG",
    "NIC": "NI",
    "NIU": "NU",
    "NLD": "NL",
    "NOR": "NO",
    "NPL": "NP",
    "NRU": "NR",
    "NZL": "NZ",
    "OMN": "OM",
    "PAK": "PK",
    "PAN": "PA",
    "PCN": "PN",
    "PER": "PE",
    "PHL": "PH",
    "PLW": "PW",
    "PNG": "PG",
    "POL": "PL",
    "PRI": "PR",
    "PRK": "KP",
    "PRT": "PT",
    "PRY": "PY",
    "PSE": "PS",
    "PYF": "PF",
    "QAT": "QA",
    "REU": "RE",
    "ROU": "RO",
    "RUS": "RU",
    "RWA": "RW",
    "SAU": "SA",
    "SDN": "SD",
    "SEN": "SN",
    "SGP": "SG",
    "SGS": "GS",
    "SHN": "SH",
    "SJM": "SJ",
    "SLB": "SB",
    "SLE": "SL",
    "SLV": "SV",
    "SMR": "SM",
    "SOM": "SO",
    "SPM": "PM",
    "SRB": "RS",
    "SSD": "SS",
    "STP": "ST",
    "SUR": "SR",
    "SVK": "SK",
    "SVN": "SI",
    "SWE": "SE",
    "SWZ": "SZ",
    "SXM": "SX",
    "SYC": "SC",
    "SYR": "SY",
    "TCA": "TC",
    "TCD": "TD",
    "TGO": "TG",
    "THA": "TH",
    "TJK": "TJ",
    "TKL": "TK",
    "TKM": "TM",
    "TLS": "TL",
    "TON": "TO",
    "TTO": "TT",
    "TUN": "TN",
    "TUR": "TR",
    "TUV": "TV",
    "TWN": "TW",
    "TZA": "TZ",
    "UGA": "UG",
    "UKR": "UA",
    "UMI": "UM",
    "URY": "UY",
    "USA": "US",
    "UZB": "UZ",
    "VAT": "VA",
    "VCT": "VC",
    "VEN": "VE",
    "VGB": "VG",
    "VIR": "VI",
    "VNM": "VN",
    "VUT": "VU",
    "WLF": "WF",
    "WSM": "WS",
    "YEM": "YE",
    "ZAF": "ZA",
    "ZMB": "ZM",
    "ZWE": "ZW",
}
ALPHA2 = frozenset(ALPHA3_TO_ALPHA2.values())


def to_alpha2(code, field="country"):
    """Return the alpha-2 code of an alpha-2 or alpha-3 country code.

    Raises ``InvalidPayload`` naming ``field`` when the code is unknown.
    """
    value = (code or "").strip().upper()
    if len(value) == 2 and value in ALPHA2:
        return value
    if len(value) == 3 and value in ALPHA3_TO_ALPHA2:
        return ALPHA3_TO_ALPHA2[value]
    raise InvalidPayload(f"{field}: unknown country code {code!r}")


# Country names buyers and marketplaces write instead of a code, upper case
# without accents, in the languages of the markets served (French, English,
# Spanish, Portuguese, Dutch): alpha-2 code, then its names.
_NAMES = """
FR FRANCE; FRANCE METROPOLITAINE; FRANCIA; FRANCA; FRANKRIJK
BE BELGIQUE; BELGIUM; BELGICA; BELGIE
LU LUXEMBOURG; LUXEMBURGO
CH SUISSE; SWITZERLAND; SUIZA; SUICA
MC MONACO
AD ANDORRE; ANDORRA
DE ALLEMAGNE; GERMANY; ALEMANIA; ALEMANHA; DUITSLAND
ES ESPAGNE; SPAIN; ESPANA; ESPANHA; SPANJE
PT PORTUGAL
IT ITALIE; ITALY; ITALIA
NL PAYS-BAS; PAYS BAS; NETHERLANDS; PAISES BAJOS; NEDERLAND
GB ROYAUME-UNI; ROYAUME UNI; UNITED KINGDOM
GP GUADELOUPE
MQ MARTINIQUE
GF GUYANE; GUYANE FRANCAISE; FRENCH GUIANA
RE REUNION; LA REUNION
YT MAYOTTE
PM SAINT-PIERRE-ET-MIQUELON
BL SAINT-BARTHELEMY
MF SAINT-MARTIN
NC NOUVELLE-CALEDONIE
PF POLYNESIE FRANCAISE
WF WALLIS-ET-FUTUNA
"""
COUNTRY_NAMES = {
    name.strip(): row.split(None, 1)[0]
    for row in _NAMES.strip().splitlines()
    for name in row.split(None, 1)[1].split(";")
}


def country_from_text(value):
    """The alpha-2 code of a country written as an alpha-2 or alpha-3 code
    or by its name (``"FR"``, ``"fra"``, ``"France"``, ``"Belgique"``,
    ``"Réunion"``), None when unknown or not a text."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKD", value.strip().upper())
    text = " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
    if len(text) == 2 and text in ALPHA2:
        return text
    if len(text) == 3 and text in ALPHA3_TO_ALPHA2:
        return ALPHA3_TO_ALPHA2[text]
    return COUNTRY_NAMES.get(text) or COUNTRY_NAMES.get(text.replace(" ", "-"))
