# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
from .atomic_checkpoint_hook import LAST_CHECKPOINT_FILE, AtomicCheckpointHook, mirrors_installed_mmengine
from .bad_sample_hook import BadSampleHook
from .channels_last_hook import ChannelsLastHook, channels_last_declared, to_channels_last
from .model_sync_check_hook import ModelSyncCheckHook, parameter_checksum
from .nonfinite_loss_hook import NonFiniteLossError, NonFiniteLossHook, nonfinite_terms
from .preemption_checkpoint_hook import STOP_SIGNALS, PreemptionCheckpointHook, saves_after_train_iter
from .rank_agreement import IterationAgreement, iteration_agreement
from .rng_state_hook import RNGStateHook, capture_rng_state, normalise_rng_state, restore_rng_state
from .run_summary_hook import SUMMARY_FILE, RunSummaryHook, parameter_counts

__all__ = [
    'AtomicCheckpointHook',
    'BadSampleHook',
    'ChannelsLastHook',
    'IterationAgreement',
    'LAST_CHECKPOINT_FILE',
    'ModelSyncCheckHook',
    'NonFiniteLossError',
    'NonFiniteLossHook',
    'PreemptionCheckpointHook',
    'RNGStateHook',
    'RunSummaryHook',
    'STOP_SIGNALS',
    'SUMMARY_FILE',
    'capture_rng_state',
    'channels_last_declared',
    'iteration_agreement',
    'mirrors_installed_mmengine',
    'nonfinite_terms',
    'normalise_rng_state',
    'parameter_checksum',
    'parameter_counts',
    'restore_rng_state',
    'saves_after_train_iter',
    'to_channels_last',
]
