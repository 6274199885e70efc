from . import mp_order_product_wizard
from . import mp_customer_message_reply
