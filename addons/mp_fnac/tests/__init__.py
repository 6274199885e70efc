from . import test_backend
from . import test_secrets
from . import test_tokens
from . import test_order_import
from . import test_acceptance
from . import test_shipments
from . import test_offers
from . import test_messages
