from .hooks import *  # noqa: F401,F403
from .optim_wrappers import *  # noqa: F401,F403
from .runner import LeaveStopSignalsToMainProcess, MMExtRunner, leave_stop_signals_to_main_process  # noqa: F401
