from . import throttle  # --- H16C ---
from . import portal
from . import main
from . import quick_order
from . import orders  # --- H5 ---
from . import order_requests  # --- H16A ---
from . import checkout  # --- H16B ---
