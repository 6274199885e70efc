# rules and their settings
from . import mp_repricing_rule
from . import mp_repricing_commission
from . import product_template
from . import res_config_settings

# competitors' offers
from . import mp_competitor_snapshot
from . import mp_competitor_import

# runs, decisions, and what the repricer adds to offers and accounts
from . import mp_repricing_run
from . import mp_repricing_decision
from . import mp_repricing_fee
from . import mp_offer_binding
from . import mp_backend
from . import mp_repricing_rule_run
