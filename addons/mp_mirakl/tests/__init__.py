from . import test_order_import
from . import test_order_status
from . import test_backend
from . import test_ui
from . import test_offer_policy
from . import test_offer_export
from . import test_delivery_details
from . import test_order_taxes
