"""An identity of a module's current weights, for caches of values derived from them."""
from __future__ import annotations

from torch import nn


def weights_version(*modules: nn.Module) -> tuple[tuple[int, int], ...]:
    """An identity of the current values of every parameter and buffer of ``modules``.

    Made of each tensor's storage address and in-place version counter, it changes
    whenever an optimiser step, ``load_state_dict``, a training-mode forward (BatchNorm
    statistics) or a device / dtype move touches any of them. (Tensors made under
    ``torch.inference_mode`` keep no version counter; for them only the address counts.)
    """
    return tuple((t.data_ptr(), -1 if t.is_inference() else t._version) for m in modules
                 for t in (*m.parameters(), *m.buffers()))
