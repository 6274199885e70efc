from . import test_backend
from . import test_order_import
from . import test_shipment
from . import test_offer_export
from . import test_rate_limits
from . import test_secrets
from . import test_order_taxes
