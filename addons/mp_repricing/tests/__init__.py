from . import test_rules
from . import test_collect
from . import test_import
from . import test_run
from . import test_replay
from . import test_emulators
