"""Glyph dictionaries and the prototypes of whole dictionaries, computed once per weights."""
from __future__ import annotations

import os
from collections.abc import Hashable
from functools import partial
from typing import NamedTuple

import torch
from mmocr.registry import TASK_UTILS

from projects.wna.charset import GlyphCharset, load_charset

from ..backbones import WnAResNet45Core
from ..fast import WnAFastInference
from ..layers import weights_version
from .glyph_encoder import WnAGlyphEncoder
from .label_space import LabelSpace

#: A dictionary: a charset, or the path of one (``load_charset``: ``.npz``, ``vismeta.pt``
#: or its folder).
CharsetSource = str | os.PathLike | GlyphCharset


class PrototypeSet(NamedTuple):
    """The prototypes of a whole dictionary.

    Attributes:
        space: the label space of every character of the dictionary.
        protos: float ``[K, C]`` unit-norm prototypes, one per character.
        labels: int64 ``[K]`` label of each prototype (on the prototypes' device).
    """
    space: LabelSpace
    protos: torch.Tensor
    labels: torch.Tensor


@TASK_UTILS.register_module()
class WnAPrototypeBank:
    """Loads glyph dictionaries and caches the prototypes of whole dictionaries.

    Test-time reading compares every step feature with the prototypes of every
    character of a dictionary. Encoding them is the costly part of a small batch, so the
    bank keeps, per dictionary, the prototypes computed from the current weights: an
    entry is served while :func:`weights_version` of the encoder and the shared core is
    the one it was computed with, and dropped once it is not. Nothing is stored while the
    encoder is in training mode (its weights are about to change). Writes through a
    tensor's ``.data`` (as MMEngine's ``EMAHook`` swaps the averaged weights in and out)
    change neither its address nor its version: whoever swaps weights that way calls
    :meth:`clear` (``WnAPrototypeWarmupHook`` does, around every evaluation).

    Args:
        chunk: glyphs encoded per forward pass.

    Dictionaries given as paths are loaded once and kept; a :class:`GlyphCharset` given
    as such is keyed by its identity.
    """

    def __init__(self, chunk: int = 256) -> None:
        if chunk < 1:
            raise ValueError(f'chunk must be at least 1, got {chunk}')
        self.chunk = chunk
        self._charsets: dict[str, GlyphCharset] = {}
        self._prototypes: dict[Hashable, tuple[tuple, PrototypeSet]] = {}

    @staticmethod
    def key(source: CharsetSource) -> Hashable:
        """The cache key of a dictionary: its path, or the identity of a charset object."""
        return id(source) if isinstance(source, GlyphCharset) else os.fspath(source)

    def charset(self, source: CharsetSource) -> GlyphCharset:
        """The charset of a path (loaded once) or the charset itself."""
        if isinstance(source, GlyphCharset):
            return source
        path = os.fspath(source)
        if path not in self._charsets:
            self._charsets[path] = load_charset(path)
        return self._charsets[path]

    @torch.no_grad()
    def prototypes(self, source: CharsetSource, encoder: WnAGlyphEncoder,
                   core: WnAResNet45Core, fast: WnAFastInference | None = None
                   ) -> PrototypeSet:
        """The prototypes of every character of ``source``, encoded by ``encoder`` with
        the shared ``core`` in eval mode (the encoder's mode is restored afterwards), on
        the ``fast`` test-time path if given (cached apart from the exact ones)."""
        version = weights_version(encoder, core)
        key = (self.key(source), None if fast is None else fast.key)
        cached = self._prototypes.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        space = LabelSpace.full(self.charset(source))
        was_training = encoder.training
        encoder.eval()
        try:
            backbone = (partial(core, norms=encoder.norms) if fast is None
                        else fast.glyph_backbone(core, encoder.norms))
            protos = encoder.encode_chunked(space.charset.glyphs[space.char_index],
                                            backbone, self.chunk)
        finally:
            encoder.train(was_training)
        entry = PrototypeSet(space, protos,
                             torch.as_tensor(space.proto_labels, device=protos.device))
        self._prototypes = {k: v for k, v in self._prototypes.items() if v[0] == version}
        if not was_training:
            self._prototypes[key] = (version, entry)
        return entry

    def clear(self) -> None:
        """Drop every cached prototype set (the loaded dictionaries are kept)."""
        self._prototypes.clear()

    def cached(self, encoder: WnAGlyphEncoder, core: WnAResNet45Core) -> list[Hashable]:
        """Keys of the dictionaries whose prototypes (on any test-time path) are cached for
        the current weights."""
        version = weights_version(encoder, core)
        return list(dict.fromkeys(k for (k, _), (v, _) in self._prototypes.items()
                                  if v == version))
