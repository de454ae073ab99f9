"""An interactive reading session: one loaded model, the dictionaries and fonts to choose
from, characters registered on the fly, and readings with their attention figure.

It is the layer under ``tools/webui.py`` (which only wires widgets to it), usable and
tested without a web framework.
"""
from __future__ import annotations

import glob
import os
import os.path as osp
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from matplotlib import font_manager

from projects.wna.charset import GlyphCharset, default_font_path, resolve_data_path
from projects.wna.datasets.synthesis import held_out_font_path
from projects.wna.visualization import draw_attention_maps

from .attention_examples import pick_examples
from .dictionary import choose_dictionary
from .inference import build_inference_pipeline, recognize
from .model_loading import load_recognizer

#: The name of the config's ``model.default_charset`` among the dictionaries.
CONFIG_DICTIONARY = 'config default'
#: Faces of the Noto Sans CJK collection offered as fonts (face index -> region).
NOTO_FACES = {0: 'JP', 1: 'KR', 2: 'SC', 3: 'TC'}


def installed_fonts() -> dict[str, tuple[str, int]]:
    """Fonts to render registered characters with, by label: ``(file, face index)``.

    The Noto Sans CJK faces (JP first: the default), IPAex Gothic when
    ``japanize-matplotlib`` is installed, then every font Matplotlib knows (its own
    DejaVu fonts and the system's), by family and file name.
    """
    noto = default_font_path()
    fonts = {f'Noto Sans CJK {region}': (noto, face) for face, region in NOTO_FACES.items()}
    try:
        fonts['IPAex Gothic'] = (held_out_font_path(), 0)
    except ImportError:
        pass
    for entry in sorted(font_manager.fontManager.ttflist, key=lambda f: (f.name, f.fname)):
        if entry.fname != noto:
            fonts.setdefault(f'{entry.name} ({osp.basename(entry.fname)})', (entry.fname, 0))
    return fonts


def find_dictionaries(folder: str | os.PathLike | None) -> dict[str, str]:
    """The saved dictionaries (``*.npz``) of ``folder`` by file stem, sorted; none when
    ``folder`` is ``None`` or missing."""
    if folder is None or not osp.isdir(folder):
        return {}
    return {osp.splitext(osp.basename(p))[0]: p
            for p in sorted(glob.glob(osp.join(os.fspath(folder), '*.npz')))}


def export_examples(lmdb_path: str | os.PathLike, folder: str | os.PathLike,
                    per_bucket: int = 2) -> list[tuple[str, str | None]]:
    """Write :func:`~projects.wna.apis.attention_examples.pick_examples` of an LMDB as
    PNG files into ``folder``; their ``(path, ground truth)``."""
    os.makedirs(folder, exist_ok=True)
    written = []
    for k, item in enumerate(pick_examples(lmdb_path, per_bucket)):
        path = osp.join(os.fspath(folder), f'example_{k:02d}.png')
        if not cv2.imwrite(path, item.image):
            raise OSError(f'could not write {path}')
        written.append((path, item.label))
    return written


@dataclass
class Reading:
    """One crop as read by a :class:`ReadingSession`.

    Attributes:
        text: the reading (``'⑨'`` for rejected characters).
        chars: its characters, one per attention map.
        scores: the score of each character.
        expert: the expert that read the crop.
        router_probs: the router's probability of each expert, by name.
        attention: float32 ``[len(chars), h, w]`` attention maps over the expert's canvas.
        figure: RGB uint8 drawing of the maps over the crop.
        dictionary: the description of the dictionary read with (``choose_dictionary``'s,
            plus ``name`` and ``chars``).
    """
    text: str
    chars: list[str]
    scores: list[float]
    expert: str
    router_probs: dict[str, float]
    attention: np.ndarray
    figure: np.ndarray
    dictionary: dict

    def score_rows(self) -> list[list]:
        """``[position, character, score]`` table rows (scores rounded to 3 places)."""
        return [[k + 1, c, round(s, 3)] for k, (c, s) in enumerate(zip(self.chars,
                                                                         self.scores))]


class ReadingSession:
    """A model loaded once, reading crops against a chosen dictionary, optionally extended
    with characters rendered from a chosen font.

    Args:
        config: the model config (file or loaded ``Config``).
        checkpoint: trusted checkpoint; ``None`` keeps random weights.
        device: e.g. ``'cpu'``.
        dict_dir: a folder of saved dictionaries (``*.npz``) to choose from, beside the
            config's ``model.default_charset`` (when it exists).
        cfg_options: ``--cfg-options`` merged into the config.

    Attributes:
        dictionaries: the dictionaries by name (:data:`CONFIG_DICTIONARY` first when
            the config's exists, then the stems of ``dict_dir``'s files).
        fonts: :func:`installed_fonts`.

    Raises:
        ValueError: no dictionary to read with at all.
    """

    def __init__(self, config, checkpoint: str | os.PathLike | None, device: str = 'cpu',
                 dict_dir: str | os.PathLike | None = None,
                 cfg_options: dict | None = None) -> None:
        self.model = load_recognizer(config, checkpoint, device, cfg_options)
        self.pipeline = build_inference_pipeline(self.model.cfg)
        self.dictionaries: dict[str, str] = {}
        default = self.model.default_charset
        if isinstance(default, (str, os.PathLike)):
            default = resolve_data_path(default)
            if osp.exists(default):
                self.dictionaries[CONFIG_DICTIONARY] = default
        self.dictionaries.update(find_dictionaries(dict_dir))
        if not self.dictionaries:
            raise ValueError(f'no dictionary to read with: the config\'s '
                             f'model.default_charset ({default}) does not exist and '
                             f'{dict_dir} holds no *.npz dictionary')
        self.fonts = installed_fonts()
        # every dictionary built, kept for the session: the prototype bank caches the
        # prototypes of a GlyphCharset by its identity, which must stay unique
        self._built: dict[tuple, tuple[GlyphCharset, dict]] = {}

    @property
    def default_font(self) -> str:
        return next(iter(self.fonts))

    def dictionary(self, name: str, chars: str = '',
                   font: str | None = None) -> tuple[GlyphCharset, dict]:
        """Dictionary ``name`` with the characters of ``chars`` (whitespace ignored)
        registered by rendering them with font ``font`` (a :attr:`fonts` label;
        ``None``: the default), and its description (``choose_dictionary``'s: ``added``,
        ``known`` and ``missing`` characters when registering, plus ``name`` and
        ``chars``, the dictionary's size).

        Raises:
            KeyError: an unknown dictionary or font name.
        """
        if name not in self.dictionaries:
            raise KeyError(f'no dictionary {name!r}; choose one of {list(self.dictionaries)}')
        font = font or self.default_font
        if font not in self.fonts:
            raise KeyError(f'no font {font!r} among the installed fonts')
        chars = ''.join(chars.split())
        key = (name, chars, font if chars else None)
        if key not in self._built:
            path, face = self.fonts[font]
            charset, info = choose_dictionary(self.model, self.dictionaries[name],
                                              chars or None, None, path, face)
            info.update(name=name, chars=len(charset))
            if chars:
                info['font_label'] = font
            self._built[key] = (charset, info)
        return self._built[key]

    def read(self, image: np.ndarray, dictionary: str, chars: str = '',
             font: str | None = None) -> Reading:
        """Read an RGB uint8 ``[H, W, 3]`` crop (grey ``[H, W]`` and RGBA accepted)
        against :meth:`dictionary` ``(dictionary, chars, font)``.

        Raises:
            ValueError: ``image`` is not an image array.
        """
        rgb = as_rgb(image)
        charset, info = self.dictionary(dictionary, chars, font)
        sample = recognize(self.model, self.pipeline, [np.ascontiguousarray(rgb[..., ::-1])],
                           charset=charset, return_attention=True)[0]
        att = sample.pred_attention
        scores = [float(s) for s in sample.pred_text.score]
        names = list(self.model.experts)
        figure = draw_attention_maps(rgb, att.maps.numpy(), default_font_path(), att.chars,
                                     scores, att.expert)
        return Reading(text=sample.pred_text.item, chars=list(att.chars), scores=scores,
                       expert=sample.pred_route.expert,
                       router_probs=dict(zip(names, map(float, sample.pred_route.probs))),
                       attention=att.maps.numpy(), figure=figure, dictionary=info)


def describe_registration(info: dict) -> str:
    """One Markdown line on the characters registered into a dictionary (the description
    from :meth:`ReadingSession.dictionary`), or on their absence."""
    if 'added' not in info:
        return f'No characters registered: reading with **{info["name"]}** as it is.'
    parts = [f'Rendered with **{info["font_label"]}** into **{info["name"]}**:']
    parts.append(f'added {"".join(info["added"])}' if info['added'] else 'nothing added')
    if info['known']:
        parts.append(f'already in the dictionary {"".join(info["known"])}')
    if info['missing']:
        parts.append(f'the font cannot draw {"".join(info["missing"])} (read as ⑨)')
    return ' '.join(parts[:1]) + ' ' + '; '.join(parts[1:]) + '.'


def describe_dictionary(info: dict) -> str:
    """One Markdown line naming the dictionary a :class:`Reading` was read with."""
    added = len(info.get('added', ()))
    extra = f' (+{added} registered)' if added else ''
    return f'Dictionary **{info["name"]}**{extra}: {info["chars"]} characters.'


def as_rgb(image: np.ndarray | Sequence) -> np.ndarray:
    """An RGB uint8 ``[H, W, 3]`` array from an RGB, RGBA (composited onto white) or grey
    image array.

    Raises:
        ValueError: not a non-empty 2-D or 3-D image array with 1, 3 or 4 channels.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or image.size == 0 or (
            image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f'not an image: an array of shape {image.shape}')
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    if image.shape[2] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255
        return (image[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    return image
