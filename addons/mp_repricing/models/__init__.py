# rules and their settings (HA)
from . import mp_repricing_rule
from . import mp_repricing_commission
from . import product_template
from . import res_config_settings

# competitors' offers (HB)
from . import mp_competitor_snapshot
from . import mp_competitor_import
from . import mp_offer_binding_competitor
from . import mp_backend_collect

# runs and decisions (HC)
from . import mp_repricing_run
from . import mp_repricing_decision
from . import mp_repricing_fee
from . import mp_offer_binding_repricing
from . import mp_backend_repricing
from . import mp_repricing_rule_run
