from . import test_order_import
from . import test_order_status
from . import test_backend
from . import test_ui
