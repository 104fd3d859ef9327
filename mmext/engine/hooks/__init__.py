from .model_sync_check_hook import ModelSyncCheckHook, parameter_checksum

__all__ = ['ModelSyncCheckHook', 'parameter_checksum']
