"""The fast test-time path: reduced-precision convolutions, folded norms, channels-last."""
from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from functools import partial

import torch
from mmocr.registry import TASK_UTILS
from torch import nn

from ..backbones import WnAResNet45, WnAResNet45Core, WnAResNet45Norms
from ..layers import weights_version
from ..routers import WnARouter
from .folding import WnAFoldedResNet45, fold_conv_norm_blocks
from .int8 import WnAInt8OnFirstCall, cpu_int8_supported

#: ``dtype`` values: ``'auto'`` picks per device (:func:`auto_dtype`), ``None`` keeps
#: float32.
DTYPES = dict(bfloat16=torch.bfloat16, float16=torch.float16)


def cpu_has_native_bf16() -> bool:
    """Whether this CPU runs bfloat16 matrix products natively (AVX512-BF16 or AMX);
    elsewhere bfloat16 is emulated and slower than float32."""
    checks = ('_is_avx512_bf16_supported', '_is_amx_tile_supported')
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def auto_dtype(device: torch.device) -> torch.dtype | None:
    """The reduced precision that pays on ``device``: bfloat16 on a CPU with native bf16
    and on CUDA devices that support it, float16 on older CUDA devices, else ``None``."""
    if device.type == 'cuda':
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == 'cpu' and cpu_has_native_bf16():
        return torch.bfloat16
    return None


@TASK_UTILS.register_module()
class WnAFastInference:
    """Test-time speed-ups that leave WnA's decisions in float32.

    The heavy part of reading -- the router's backbone, the shared ResNet45 under each
    expert's (and the glyph encoder's) norms, and each expert's temporal branch -- runs
    from an inference copy: BatchNorms folded into the convolutions (``fold_norms``),
    weights and activations in channels-last layout (``channels_last``), under autocast
    to ``dtype``. What decides the output stays float32: the router's pooling and
    command head, the attention maps and the length head (their
    inputs are cast back), the DTD's attention normalisation, prototype pooling and
    matching, the UNK logit and decoding.

    With ``int8_glyphs`` (off by default) glyph images (the prototypes) are encoded in
    int8 on CPUs (folded norms; PyTorch's x86 quantised kernels, AVX512-VNNI where
    present): the copy is quantised when it first encodes, its activation ranges observed
    on ``int8_calibration`` glyphs of that first chunk (evenly spaced). It encodes about
    1.7x as fast as bfloat16 but moves more readings (docs/performance.md). Elsewhere
    (CUDA, ``fold_norms=False``, no x86 quantised engine) glyphs take the ``dtype`` path.

    Copies are made on first use and remade whenever the weights they come from change
    (:func:`~projects.wna.models.layers.weights_version`); call in eval mode.

    Args:
        dtype: ``'auto'`` (:func:`auto_dtype`), ``'bfloat16'``, ``'float16'`` or ``None``
            (float32).
        fold_norms: fold the BatchNorms into the convolutions.
        channels_last: channels-last weights and activations.
        int8_glyphs: encode glyph images in int8 on CPUs (opt-in).
        int8_calibration: glyphs whose activations calibrate the int8 copy.
    """

    def __init__(self, dtype: str | None = 'auto', fold_norms: bool = True,
                 channels_last: bool = True, int8_glyphs: bool = False,
                 int8_calibration: int = 32) -> None:
        if dtype not in (None, 'auto', *DTYPES):
            raise ValueError(f'dtype must be None, "auto" or one of {sorted(DTYPES)}, '
                             f'got {dtype!r}')
        if int8_calibration < 1:
            raise ValueError(f'int8_calibration must be at least 1, got {int8_calibration}')
        self.dtype = dtype
        self.fold_norms = fold_norms
        self.channels_last = channels_last
        self.int8_glyphs = int8_glyphs
        self.int8_calibration = int8_calibration
        self._copies: dict[tuple[int, bool], tuple[tuple, nn.Module]] = {}

    @property
    def key(self) -> Hashable:
        """What distinguishes this path's outputs (for caches of its results)."""
        return ('fast', self.dtype, self.fold_norms, self.channels_last,
                self.int8_glyphs and self.fold_norms, self.int8_calibration)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(dtype={self.dtype!r}, fold_norms={self.fold_norms}, '
                f'channels_last={self.channels_last}, int8_glyphs={self.int8_glyphs})')

    def dtype_on(self, device: torch.device) -> torch.dtype | None:
        """The autocast dtype used on ``device`` (``None``: float32)."""
        return auto_dtype(device) if self.dtype == 'auto' else DTYPES.get(self.dtype)

    def clear(self) -> None:
        """Drop the inference copies (made anew on next use)."""
        self._copies.clear()

    # ------------------------------------------------------------------ copies
    def _inference_copy(self, sources: tuple[nn.Module, ...],
                        make: Callable[[], nn.Module], int8: bool = False) -> nn.Module:
        """The copy ``make()`` of ``sources`` in this path's layout, with its
        convolutions' weights stored in the autocast dtype (autocast would otherwise cast
        them anew at every call) unless it is an ``int8`` copy; remade when the weights
        of ``sources`` change."""
        key, version = (id(sources[-1]), int8), weights_version(*sources)
        cached = self._copies.get(key)
        if cached is None or cached[0] != version:
            module = make().requires_grad_(False)
            dtype = None if int8 else self.dtype_on(_device_of(sources))
            if dtype is not None:
                for conv in module.modules():
                    if isinstance(conv, nn.Conv2d | nn.ConvTranspose2d):
                        conv.to(dtype)
            if self.channels_last:
                module = module.to(memory_format=torch.channels_last)
            cached = self._copies[key] = (version, module)
        return cached[1]

    def _make_backbone(self, core: WnAResNet45Core, norms: WnAResNet45Norms) -> nn.Module:
        if self.fold_norms:
            return WnAFoldedResNet45(core, norms)
        return _Paired(copy.deepcopy(core), copy.deepcopy(norms))

    def _make_branch(self, module: nn.Module) -> nn.Module:
        return fold_conv_norm_blocks(module) if self.fold_norms else copy.deepcopy(module)

    def _run(self, module: nn.Module, x, autocast: bool = True):
        """``module(x)`` in this path's layout and precision (``autocast=False``: in the
        module's own, e.g. int8)."""
        if self.channels_last:
            x = ([m.contiguous(memory_format=torch.channels_last) for m in x]
                 if isinstance(x, list) else x.contiguous(memory_format=torch.channels_last))
        device = x[0].device if isinstance(x, list) else x.device
        dtype = self.dtype_on(device) if autocast else None
        if dtype is None:
            return module(x)
        with torch.autocast(device.type, dtype=dtype):
            return module(x)

    # ------------------------------------------------------------------- parts
    def backbone(self, core: WnAResNet45Core, norms: WnAResNet45Norms
                 ) -> Callable[[torch.Tensor], list[torch.Tensor]]:
        """``x -> core(x, norms)`` on this path (maps may come back in ``dtype``)."""
        module = self._inference_copy((core, norms), lambda: self._make_backbone(core, norms))
        return partial(self._run, module)

    def glyph_backbone(self, core: WnAResNet45Core, norms: WnAResNet45Norms
                       ) -> Callable[[torch.Tensor], list[torch.Tensor]]:
        """``glyphs -> core(glyphs, norms)`` for encoding glyph images on this path: int8
        (float32 maps) where :meth:`int8_on` holds, else as :meth:`backbone`."""
        if not self.int8_on(_device_of((core, norms))):
            return self.backbone(core, norms)
        module = self._inference_copy(
            (core, norms), lambda: WnAInt8OnFirstCall(WnAFoldedResNet45(core, norms),
                                                      self.int8_calibration), int8=True)
        return partial(self._run, module, autocast=False)

    def int8_on(self, device: torch.device) -> bool:
        """Whether glyphs are encoded in int8 on ``device``."""
        return (self.int8_glyphs and self.fold_norms and device.type == 'cpu'
                and cpu_int8_supported())

    def router(self, router: WnARouter) -> Callable[[torch.Tensor], torch.Tensor]:
        """``thumbs -> logits`` of ``router`` with its backbone on this path (a
        ``WnAResNet45`` as :meth:`backbone`, another backbone with its conv-BN blocks
        folded); pooling and the command head stay float32."""
        net = router.backbone
        if isinstance(net, WnAResNet45):
            run = self.backbone(net.core, net.norms)
        else:
            module = self._inference_copy((net,), lambda: self._make_branch(net))
            run = partial(self._run, module)
        return partial(router.score, backbone=run)

    def temporal(self, branch: nn.Module) -> Callable:
        """``maps -> (T, endpoints)`` of an expert's temporal branch on this path, cast
        back to float32."""
        module = self._inference_copy((branch,), lambda: self._make_branch(branch))

        def run(maps: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
            t, endpoints = self._run(module, maps)
            return t.float(), [e.float() for e in endpoints]

        return run


def _device_of(modules: tuple[nn.Module, ...]) -> torch.device:
    return next(t for m in modules for t in (*m.parameters(), *m.buffers())).device


class _Paired(nn.Module):
    """``core(x, norms)`` as a one-argument module (an unfolded inference copy)."""

    def __init__(self, core: WnAResNet45Core, norms: WnAResNet45Norms) -> None:
        super().__init__()
        self.core, self.norms = core, norms

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.core(x, self.norms)
