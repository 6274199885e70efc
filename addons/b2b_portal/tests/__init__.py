from . import test_accounts
from . import test_access
from . import test_prices
from . import test_quick_order
from . import test_reps  # --- H6 ---
from . import test_documents  # --- H6 ---
from . import test_orders  # --- H5 ---
from . import test_shipment_mail
from . import test_shop_paging
from . import test_order_requests  # --- H16A ---
from . import test_payment_terms  # --- H16B ---
from . import test_rate_limits  # --- H16C ---
from . import test_access_routes  # --- H16C ---
from . import test_b2c_compat  # --- H16D ---
