# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .metrics import *  # noqa: F401,F403
