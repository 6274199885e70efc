from . import mp_order_product_wizard
