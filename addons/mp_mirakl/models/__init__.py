from . import mp_backend
