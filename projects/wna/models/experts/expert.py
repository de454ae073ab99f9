"""The "act" experts: canvas stretch, shared backbone with private norms, temporal branch,
length head, per-step attention maps and the parameter-free decoupled text decoder."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import torch
from mmocr.registry import MODELS
from torch import nn

from ..backbones import WnAResNet45Core, WnAResNet45Norms
from ..layers import normalise_pixels, resize_uint8_bilinear


def stretch_to_canvas(imgs: Sequence[torch.Tensor], size: Sequence[int]) -> torch.Tensor:
    """Bilinearly stretch (no padding, ``align_corners=False``) and normalise images.

    The stretch is done on the uint8 pixels and rounded to whole grey levels, exactly as
    upstream (``F.interpolate`` on uint8 CPU tensors; :func:`resize_uint8_bilinear`), so
    canvases match upstream's on every device; normalisation comes after.

    Images of equal size are resized together, one resize per distinct
    size (a per-image call is unavoidable for distinct sizes, which is the common case at
    test time; the cost is a few small kernels per batch).

    Args:
        imgs: uint8 ``[3, H_i, W_i]`` tensors.
        size: target ``(h, w)``.

    Returns:
        float ``[N, 3, h, w]``.
    """
    if not imgs:
        raise ValueError('stretch_to_canvas needs at least one image')
    size = tuple(int(s) for s in size)
    out = imgs[0].new_empty((len(imgs), imgs[0].shape[0], *size), dtype=torch.float32)
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, img in enumerate(imgs):
        groups.setdefault(tuple(img.shape), []).append(i)
    for idx in groups.values():
        batch = torch.stack([imgs[i] for i in idx])
        out[idx] = resize_uint8_bilinear(batch, size).float()
    return normalise_pixels(out)


def decoupled_text_decoder(att: torch.Tensor, feat: torch.Tensor) -> torch.Tensor:
    """DAN's decoupled text decoder (no parameters).

    ``c_t = sum_xy A_t / (sum_xy A_t + 1e-4) * F``.

    Args:
        att: ``[N, S, h, w]`` step attention maps in [0, 1].
        feat: ``[N, C, h, w]`` feature map (gradient flows into it).

    Returns:
        ``[N, S, C]`` float32 step features (computed in float32 also under autocast).
    """
    with torch.autocast(feat.device.type, enabled=False):
        att = att.float() / (att.float().sum(dim=(2, 3), keepdim=True) + 1e-4)
        return torch.einsum('nshw,nchw->nsc', att, feat.float())


@dataclass
class ExpertOutput:
    """What an expert computes for a batch of ``n`` images.

    Attributes:
        feat: ``[n, C, h, w]`` last backbone map (not detached).
        att: ``[n, max_len, h, w]`` sigmoid step attention maps.
        len_logits: ``[n, max_len + 1]`` length logits (class k = k characters).
    """
    feat: torch.Tensor
    att: torch.Tensor
    len_logits: torch.Tensor

    def step_features(self, num_steps: int) -> torch.Tensor:
        """``[n, num_steps, C]`` DTD features of the first ``num_steps`` steps."""
        return decoupled_text_decoder(self.att[:, :num_steps], self.feat)


@MODELS.register_module()
class WnAExpert(nn.Module):
    """One WnA expert with a fixed canvas.

    Pipeline: stretch to ``canvas`` -> shared :class:`WnAResNet45Core` with this expert's
    affine-free norms -> (detached maps) spatial embedding -> FPN + CAM -> length head on
    the spatial means of the CAM endpoints, and ``sigmoid(conv1x1)`` step attention maps.

    Args:
        name: expert name (``hori``, ``vert``, ``rect``).
        canvas: ``(h, w)`` input size, e.g. ``(24, 96)``.
        arch: the shared core's architecture (``WnAResNet45Core.arch``); set by the
            recogniser.
        feat_channels: widths of the core's three maps (``WnAResNet45Core.out_channels``);
            set by the recogniser.
        se_channels: positional channels appended per map (32).
        cam_channels: CAM width (64).
        max_len: maximum text length; the length head has ``max_len + 1`` classes and the
            attention conv ``max_len`` maps (nparts = 1).
        detach_features: feed the temporal branch detached backbone maps (WnA: True).
        temporal: extra keyword arguments of ``WnATemporalFPNCAM`` (strides).
        grid_sizes: declared positional-grid sizes of the spatial embedding.
    """

    def __init__(self,
                 name: str,
                 canvas: Sequence[int],
                 arch: dict,
                 feat_channels: Sequence[int],
                 se_channels: int = 32,
                 cam_channels: int = 64,
                 max_len: int = 32,
                 detach_features: bool = True,
                 temporal: dict | None = None,
                 grid_sizes: Sequence[Sequence[int]] | None = None) -> None:
        super().__init__()
        self.name = name
        self.canvas = tuple(canvas)
        self.max_len = max_len
        self.detach_features = detach_features
        self.norms = WnAResNet45Norms(**arch)
        se_kwargs = {} if grid_sizes is None else dict(grid_sizes=grid_sizes)
        self.spatial_embedding = MODELS.build(dict(
            type='WnASpatialEmbedding', num_maps=len(feat_channels), channels=se_channels,
            **se_kwargs))
        self.temporal = MODELS.build(dict(
            type='WnATemporalFPNCAM', in_channels=[c + se_channels for c in feat_channels],
            channels=cam_channels, **(temporal or {})))
        self.length_head = nn.Linear(cam_channels * self.temporal.num_endpoints, max_len + 1)
        self.attention = nn.Conv2d(cam_channels, max_len, 1)

    def forward(self, imgs: Sequence[torch.Tensor], core: WnAResNet45Core) -> ExpertOutput:
        """Run the expert on uint8 ``[3, H_i, W_i]`` images with the shared ``core``."""
        return self.read(imgs, partial(core, norms=self.norms), self.temporal)

    def read(self, imgs: Sequence[torch.Tensor],
             backbone: Callable[[torch.Tensor], list[torch.Tensor]],
             temporal: Callable[[list[torch.Tensor]],
                                tuple[torch.Tensor, list[torch.Tensor]]]) -> ExpertOutput:
        """Run the expert with ``backbone`` (canvases -> the core's maps under this
        expert's norms) and ``temporal`` (embedded maps -> ``(T, endpoints)``) standing in
        for its own; a test-time path (``WnAFastInference``) passes faster equivalents.
        Maps in reduced precision are returned to float32 before the heads and the DTD."""
        maps = backbone(stretch_to_canvas(imgs, self.canvas))
        branch_in = [m.detach() for m in maps] if self.detach_features else maps
        t, endpoints = temporal(self.spatial_embedding(branch_in))
        len_logits = self.length_head(torch.cat([e.mean(dim=(2, 3)) for e in endpoints], 1))
        att = torch.sigmoid(self.attention(t))
        return ExpertOutput(feat=maps[-1].float(), att=att, len_logits=len_logits)
