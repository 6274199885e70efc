from . import test_security
from . import test_fake_journal
from . import test_fake_offers
from . import test_fake_order_errors
from . import test_fake_order_import
from . import test_fake_order_status
from . import test_product_resolver
