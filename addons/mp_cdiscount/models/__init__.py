from . import mp_backend
from . import mp_order_binding
from . import mp_demo
