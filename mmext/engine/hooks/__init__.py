from .atomic_checkpoint_hook import LAST_CHECKPOINT_FILE, AtomicCheckpointHook
from .bad_sample_hook import BadSampleHook
from .channels_last_hook import ChannelsLastHook
from .model_sync_check_hook import ModelSyncCheckHook, parameter_checksum
from .nonfinite_loss_hook import NonFiniteLossError, NonFiniteLossHook, nonfinite_terms
from .preemption_checkpoint_hook import PreemptionCheckpointHook
from .rng_state_hook import RNGStateHook, capture_rng_state, restore_rng_state
from .run_summary_hook import SUMMARY_FILE, RunSummaryHook, parameter_counts

__all__ = ['AtomicCheckpointHook', 'BadSampleHook', 'ChannelsLastHook', 'LAST_CHECKPOINT_FILE', 'ModelSyncCheckHook',
           'NonFiniteLossError', 'NonFiniteLossHook', 'PreemptionCheckpointHook', 'RNGStateHook', 'RunSummaryHook',
           'SUMMARY_FILE', 'capture_rng_state', 'nonfinite_terms', 'parameter_checksum', 'parameter_counts',
           'restore_rng_state']
