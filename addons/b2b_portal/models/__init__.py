from . import res_partner
from . import res_users
from . import website
from . import product_template
from . import product_product
from . import product_pricelist
from . import b2b_signup_request
from . import res_config_settings
from . import sale_order
from . import b2b_act_log  # --- H6 ---
from . import b2b_sale_report  # --- H6 ---
from . import stock_picking
from . import b2b_order_request  # --- H16A ---
