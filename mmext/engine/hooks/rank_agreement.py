# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The flags that every rank must agree on after a training iteration, reduced in one collective.

After each iteration several hooks ask "does *any* rank want X?": :class:`NonFiniteLossHook` (a NaN loss on some
rank), :class:`PreemptionCheckpointHook` (some rank was signalled). Each question is a tiny all-reduce, and each
all-reduce is a synchronisation of every GPU; here they share one. The reduction goes through
``mmengine.dist.all_reduce``, which moves the tensor to the process group's communication device (CUDA for
NCCL, which has no CPU backend) and back.
"""

import weakref
from typing import Callable, Dict, Optional, Tuple

import torch
from mmengine.dist import all_reduce

_AGREEMENTS: 'weakref.WeakKeyDictionary' = weakref.WeakKeyDictionary()


class IterationAgreement:
    """Boolean flags agreed on by all ranks once per training iteration (logical OR over ranks).

    A participant joins once (``before_train``) with a name and either a function that gives its local
    value whenever asked (e.g. "was this process signalled") or ``None``, in which case it must
    :meth:`contribute` its value for the iteration before anyone reads (e.g. "was this rank's loss finite",
    known only in ``after_train_iter``). The first :meth:`agreed` call of an iteration runs one all-reduce of
    every joined flag; later calls of the same iteration reuse the result. Every rank has the same hooks in
    the same order, so every rank makes the same calls: the collective is matched.
    """

    def __init__(self):
        self._getters: Dict[str, Optional[Callable[[], bool]]] = {}
        self._contributed: Dict[str, Tuple[int, bool]] = {}
        self._result: Optional[Tuple[int, Dict[str, bool]]] = None
        self.collectives = 0  # how many all-reduces this agreement has run (for logs and tests)

    def join(self, name: str, local: Optional[Callable[[], bool]] = None) -> None:
        self._getters[name] = local

    def leave(self, name: str) -> None:
        self._getters.pop(name, None)
        self._contributed.pop(name, None)

    def contribute(self, name: str, iteration: int, value: bool) -> None:
        if self._result is not None and self._result[0] == iteration:
            raise RuntimeError(
                f"IterationAgreement: '{name}' contributed to iteration {iteration + 1} after the "
                f'ranks had agreed on it; its hook must run earlier (hook priority)'
            )
        self._contributed[name] = (iteration, bool(value))

    def _local(self, name: str, iteration: int) -> bool:
        getter = self._getters[name]
        if getter is not None:
            return bool(getter())
        contributed = self._contributed.get(name)
        if contributed is None or contributed[0] != iteration:
            raise RuntimeError(
                f"IterationAgreement: the flags of iteration {iteration + 1} were read before "
                f"'{name}' contributed its value; its hook must run earlier (hook priority)"
            )
        return contributed[1]

    def agreed(self, iteration: int) -> Dict[str, bool]:
        """Every joined flag, True where at least one rank's local value is True."""
        if self._result is None or self._result[0] != iteration:
            names = sorted(self._getters)  # the same order on every rank
            flags = torch.tensor([int(self._local(name, iteration)) for name in names], dtype=torch.int32)
            all_reduce(flags, op='max')  # no-op in a single process
            self.collectives += 1
            self._result = (iteration, dict(zip(names, (bool(v) for v in flags.tolist()))))
        return self._result[1]


def iteration_agreement(runner) -> IterationAgreement:
    """The agreement shared by the hooks of ``runner`` (created on first use)."""
    agreement = _AGREEMENTS.get(runner)
    if agreement is None:
        agreement = _AGREEMENTS[runner] = IterationAgreement()
    return agreement
