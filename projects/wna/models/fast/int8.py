"""Post-training int8 quantisation of a folded backbone (CPU, PyTorch's x86 kernels).

PyTorch's FX graph-mode static quantisation turns every convolution (+ ReLU) of a module
into an int8 kernel (fbgemm / oneDNN: AVX512-VNNI where the CPU has it), with per-channel
symmetric weights and per-tensor activation ranges observed on calibration inputs. Only
CPUs run these kernels; the graph needs fixed control flow, which the folded ResNet45 has.
"""
from __future__ import annotations

import warnings

import torch
from torch import nn
from torch.ao.quantization import QConfig, QConfigMapping
from torch.ao.quantization.observer import HistogramObserver, PerChannelMinMaxObserver
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

#: Quantised engines whose int8 convolutions run on x86 CPUs.
X86_ENGINES = ('x86', 'fbgemm', 'onednn')


def cpu_int8_supported() -> bool:
    """Whether the active quantised engine runs int8 convolutions on this (x86) CPU."""
    return torch.backends.quantized.engine in X86_ENGINES


def int8_qconfig() -> QConfig:
    """PyTorch's x86 default -- per-channel symmetric int8 weights, activation ranges from
    a histogram (clipping outliers where that lowers the error) -- but with the full 8
    bits for activations on CPUs with VNNI, whose int8 products accumulate exactly; the
    reduced 7-bit range (which keeps the AVX2 kernels from saturating) elsewhere. On the
    trained demo twin this cut the prototypes' mean cosine deviation from float32 from
    4.0e-4 (min / max ranges, 7 bits) to 1.1e-4."""
    vnni = getattr(torch.cpu, '_is_vnni_supported', lambda: False)()
    return QConfig(activation=HistogramObserver.with_args(reduce_range=not vnni),
                   weight=PerChannelMinMaxObserver.with_args(
                       dtype=torch.qint8, qscheme=torch.per_channel_symmetric))


def quantize_int8(module: nn.Module, calibration: torch.Tensor) -> nn.Module:
    """``module`` (eval mode, float, one tensor in) quantised to int8, its outputs
    dequantised to float32, activation ranges observed on ``calibration``. ``module`` is
    consumed (FX prepares it in place)."""
    with warnings.catch_warnings():
        # FX quantisation warns on every call that torchao's pt2e flow succeeds it; that
        # flow needs torch.compile to run int8 kernels, FX runs them eagerly.
        warnings.simplefilter('ignore', (DeprecationWarning, FutureWarning, UserWarning))
        prepared = prepare_fx(module.eval(),
                              QConfigMapping().set_global(int8_qconfig()),
                              example_inputs=(calibration[:1],))
        with torch.no_grad():
            prepared(calibration)
        return convert_fx(prepared)


class WnAInt8OnFirstCall(nn.Module):
    """``module`` quantised to int8 (:func:`quantize_int8`) on its first call, calibrated
    on up to ``calibration`` inputs of that call's batch (evenly spaced, so the same batch
    always gives the same model); later calls run the int8 model.

    Args:
        module: an eval-mode float module with fixed control flow (e.g.
            ``WnAFoldedResNet45``); kept until the first call.
        calibration: the most inputs observed for the activation ranges.

    Shapes: as ``module``: ``[N, C, H, W]`` -> its outputs in float32.
    """

    def __init__(self, module: nn.Module, calibration: int = 32) -> None:
        super().__init__()
        if calibration < 1:
            raise ValueError(f'calibration must be at least 1, got {calibration}')
        self.calibration = calibration
        self.float_module: nn.Module | None = module
        self.int8_module: nn.Module | None = None

    def forward(self, x: torch.Tensor):
        if self.int8_module is None:
            pick = torch.linspace(0, len(x) - 1, min(self.calibration, len(x))).round().long()
            self.int8_module = quantize_int8(self.float_module, x[pick])
            self.float_module = None
        return self.int8_module(x)
