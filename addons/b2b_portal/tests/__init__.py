from . import test_accounts
from . import test_access
from . import test_prices
from . import test_quick_order
from . import test_reps  # --- H6 ---
from . import test_documents  # --- H6 ---
from . import test_orders  # --- H5 ---
from . import test_shipment_mail
