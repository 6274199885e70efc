from . import test_backend
from . import test_order_import
from . import test_shipment
from . import test_offer_export
from . import test_rate_limits
