# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .attention import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .depth import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pose import *  # noqa: F401,F403
from .postprocess import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
