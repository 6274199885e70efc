from . import mp_repricing_replay
