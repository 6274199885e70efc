from . import portal
from . import main
from . import quick_order
from . import orders  # --- H5 ---
