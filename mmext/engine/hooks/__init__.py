from .model_sync_check_hook import ModelSyncCheckHook, parameter_checksum
from .run_summary_hook import SUMMARY_FILE, RunSummaryHook, parameter_counts

__all__ = ['ModelSyncCheckHook', 'RunSummaryHook', 'SUMMARY_FILE', 'parameter_checksum', 'parameter_counts']
