# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .checkpoint import register_checkpoint_safe_globals
from .pretrained import extract_state_dict, load_checkpoint_file, load_pretrained_backbone

__all__ = ['extract_state_dict', 'load_checkpoint_file', 'load_pretrained_backbone', 'register_checkpoint_safe_globals']
