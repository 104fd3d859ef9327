# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .hooks import *  # noqa: F401,F403
from .optim_wrappers import *  # noqa: F401,F403
from .runner import LeaveStopSignalsToMainProcess, MMExtRunner, leave_stop_signals_to_main_process  # noqa: F401
