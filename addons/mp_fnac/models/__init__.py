from . import mp_backend
from . import mp_demo
