"""``WnATextRecInferencer``: MMOCR's text recognition inferencer for wna models.

It is called as MMOCR's inferencers are (``inferencer(imgs, batch_size=..., return_vis=...,
save_vis=..., out_dir=..., return_datasamples=...)`` returns a dict with ``predictions``
and ``visualization``), and adds what wna reads with and reads out:

* the dictionary is an argument: a saved dictionary or a ``GlyphCharset`` (``dictionary=``)
  and/or characters registered by rendering their glyphs (``chars=``, ``chars_file=``,
  ``font=``, ``chars_only=``); by default the config's ``model.default_charset``;
* each prediction also carries the per-character scores (``char_scores``; ``scores`` stays
  MMOCR's mean), the chosen ``expert`` and the router's probabilities (``router_probs``,
  one per expert in router order);
* checkpoints are read with wna's trusted loader
  (:func:`~projects.wna.engine.checkpoint.read_checkpoint`) and must fit the model
  exactly (:class:`~projects.wna.engine.checkpoint.CheckpointMismatchError`);
* the test pipeline is found where wna configs keep it
  (:func:`~projects.wna.engine.runner_setup.config_test_pipeline`: also the first member
  of a concatenated test set).

MMOCR 1.0.1 has no inferencer registry (``MMOCRInferencer`` builds its task inferencers
directly); the class is registered in MMEngine's root ``INFERENCERS`` registry, so
``INFERENCERS.build(dict(type='WnATextRecInferencer', model=..., weights=...))`` works once
:mod:`projects.wna.apis` is imported.
"""
from __future__ import annotations

import os
from collections.abc import Iterable

import torch
from mmengine.config import ConfigDict
from mmengine.dataset import Compose
from mmengine.registry import INFERENCERS
from mmocr.apis.inferencers import TextRecInferencer
from mmocr.registry import MODELS
from mmocr.structures import TextRecogDataSample
from mmocr.utils import ConfigType
from torch import nn

from projects.wna.engine.checkpoint import load_trusted_checkpoint
from projects.wna.engine.runner_setup import config_test_pipeline
from projects.wna.evaluation.predictions import prediction_record
from projects.wna.models import CharsetSource

from .dictionary import choose_dictionary


@INFERENCERS.register_module()
class WnATextRecInferencer(TextRecInferencer):
    """Recognise cropped text images with a wna model, as MMOCR's ``TextRecInferencer``.

    Args:
        model: a config file, or a loaded config (``Config`` / dict; e.g. with
            ``--cfg-options`` merged). Unlike MMOCR's inferencers the config cannot be
            taken from the checkpoint.
        weights: a trusted checkpoint (a path or URL); ``None`` keeps random weights
            (with MMEngine's warning).
        device: e.g. ``'cpu'``, ``'cuda:0'``; ``None``: MMEngine's choice.
        scope: the registry scope (``'mmocr'``).
        dictionary: the dictionary to read with: a saved one (``.npz``, ``vismeta.pt`` or
            its folder) or a :class:`~projects.wna.charset.GlyphCharset`; ``None`` for
            the config's ``model.default_charset``.
        chars: characters to register: one string (split into grapheme clusters;
            whitespace dropped) or an iterable of characters.
        chars_file: more characters to register: comma-separated UTF-8 files with one
            character per line and/or shipped list names (``hiragana``, ...).
        font: the font the registered characters are rendered with (default: Noto Sans
            CJK); ``face_index`` picks a face inside a collection.
        chars_only: read with the registered characters alone, not added to a dictionary.

    Attributes:
        charset: the dictionary every prediction is read with.
        dictionary_info: its JSON description: that of
            :func:`~projects.wna.apis.choose_dictionary`, plus ``chars`` (characters),
            ``labels`` (label count) and ``prototypes`` (encoded once, here).

    Raises:
        ValueError: no config, no dictionary, an unusable character request, or
            (``CheckpointMismatchError``) a checkpoint that does not fit the model.
        FileNotFoundError: a missing checkpoint, dictionary, character list or font.
    """

    def __init__(self, model: ConfigType | str | os.PathLike | None = None,
                 weights: str | os.PathLike | None = None, device: str | None = None,
                 scope: str = 'mmocr', *, dictionary: CharsetSource | None = None,
                 chars: str | Iterable[str] | None = None, chars_file: str | None = None,
                 font: str | os.PathLike | None = None, face_index: int = 0,
                 chars_only: bool = False) -> None:
        super().__init__(model=os.fspath(model) if isinstance(model, os.PathLike) else model,
                         weights=None if weights is None else os.fspath(weights),
                         device=device, scope=scope)
        self.charset, info = choose_dictionary(self.model, dictionary, chars, chars_file,
                                               font, face_index, chars_only)
        space, protos, _ = self.model.prototypes_for(self.charset)  # cached per weights
        info.update(chars=len(self.charset), labels=space.num_labels,
                    prototypes=len(protos))
        self.dictionary_info = info

    def _init_model(self, cfg: ConfigType, weights: str | None,
                    device: str = 'cpu') -> nn.Module:
        """Build the config's model and load ``weights`` strictly, read with wna's
        trusted loader (MMEngine's inferencer reads them with the process's loader,
        which cannot read MMEngine checkpoints under torch >= 2.6)."""
        if not cfg:
            raise ValueError('WnATextRecInferencer needs the config (model=...); it does '
                             'not read one from the checkpoint')
        model = MODELS.build(cfg.model)
        model.cfg = cfg
        if weights is None:
            self._load_weights_to_model(model, None, cfg)  # MMEngine's random-weights warning
        else:
            load_trusted_checkpoint(model, weights, map_location='cpu', strict=True,
                                    config=getattr(cfg, 'filename', None))
        return model.to(device).eval()

    def _init_pipeline(self, cfg: ConfigType) -> Compose:
        """MMOCR's inference pipeline made from the config's test pipeline, wherever the
        config keeps it (:func:`~projects.wna.engine.runner_setup.config_test_pipeline`)."""
        pipeline = ConfigDict(test_dataloader=dict(dataset=dict(
            pipeline=config_test_pipeline(cfg))))
        return super()._init_pipeline(pipeline)

    #: ``inferencer(..., return_attention=True)`` also returns the attention maps.
    forward_kwargs = {'return_attention'}

    @torch.no_grad()
    def forward(self, inputs: dict, return_attention: bool = False,
                **kwargs) -> list[TextRecogDataSample]:
        """Read one collated batch against :attr:`charset` (``model.test_step`` with the
        dictionary as an argument); with ``return_attention`` the samples also carry
        ``pred_attention`` (``WnARecognizer.predict``)."""
        data = self.model.data_preprocessor(inputs, False)
        return self.model(**data, mode='predict', charset=self.charset,
                          return_attention=return_attention)

    def pred2dict(self, data_sample: TextRecogDataSample) -> dict:
        """MMOCR's ``text`` and ``scores`` (the mean character score), plus
        ``char_scores`` (one per character of ``text``), ``expert`` and
        ``router_probs`` (one per expert, in router order); read with
        ``return_attention=True``, also ``attention``: the expert's map of each read
        character over its canvas (nested lists ``[L][h][w]``)."""
        result = super().pred2dict(data_sample)
        record = prediction_record(data_sample)
        result.update(char_scores=record['scores'], expert=record['expert'],
                      router_probs=record['router_probs'])
        if 'pred_attention' in data_sample:
            result['attention'] = data_sample.pred_attention.maps.tolist()
        return result
