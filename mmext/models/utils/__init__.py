# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .input_channels import EXTRA_CHANNEL_RULES, expand_input_conv_weight

__all__ = ['EXTRA_CHANNEL_RULES', 'expand_input_conv_weight']
