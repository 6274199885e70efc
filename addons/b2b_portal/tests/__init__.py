from . import test_accounts
from . import test_access
from . import test_prices
from . import test_quick_order
