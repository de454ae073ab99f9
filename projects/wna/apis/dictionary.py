"""Inference dictionaries: registering new characters by rendering their glyphs.

WnA classifies against prototypes computed from glyph images, so a character the model
never saw is registered by drawing it with a font; no weights change. Characters the font
cannot draw stay unregistered and are read as the unknown character ``'⑨'``.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from projects.wna.charset import GlyphCharset, GlyphRenderer, normalize_text


def extend_charset(base: GlyphCharset, extra: GlyphCharset) -> GlyphCharset:
    """``base`` followed by the characters of ``extra`` that ``base`` lacks.

    Base characters keep their glyphs, order and case relations, so the labels of ``base``
    are unchanged. An added character keeps its case relation inside ``extra``; if it is
    its own master there and ``extra`` is not case-sensitive, it becomes a servant of its
    lower-case form when ``base`` holds that form.
    """
    added = [c for c in extra.chars if c not in base]
    chars = base.chars + added
    index = {c: i for i, c in enumerate(chars)}
    case_sensitive = bool(extra.meta.get('case_sensitive', False))
    masters = base.masters.tolist()
    for char in added:
        master = extra.chars[int(extra.masters[extra.index(char)])]
        if master == char and not case_sensitive and char.lower() in base:
            master = char.lower()
        m = index[master]
        masters.append(int(base.masters[m]) if m < len(base) else m)
    glyphs = np.concatenate([base.glyphs, extra.glyphs[[extra.index(c) for c in added]]])
    meta = dict(base.meta, extended_with=dict(extra.meta, chars=''.join(added)))
    return GlyphCharset(chars, glyphs, masters, meta=meta)


@dataclass
class RegisteredDictionary:
    """The dictionary built by :func:`register_chars`.

    Attributes:
        charset: the resulting dictionary.
        font: the name of the font face the glyphs were rendered with.
        added: characters rendered with the font and added.
        known: requested characters already in the base dictionary (their glyph is kept).
        missing: requested characters the font cannot draw (not registered: read as '⑨').
    """
    charset: GlyphCharset
    font: str
    added: list[str]
    known: list[str]
    missing: list[str]


def register_chars(chars: Iterable[str],
                   base: GlyphCharset | None = None,
                   font_path: str | os.PathLike | None = None,
                   face_index: int = 0) -> RegisteredDictionary:
    """Render ``chars`` with a font and register them.

    Args:
        chars: grapheme clusters to register (compared in Unicode NFC).
        base: dictionary to extend (the characters it already holds are not rendered
            again); ``None`` builds a dictionary of ``chars`` alone.
        font_path: TTF/OTF/TTC file; ``None`` for the default Noto Sans CJK collection.
        face_index: face inside a font collection (0 = Noto Sans CJK JP).

    Raises:
        ValueError: the result would hold no character at all.
    """
    chars = list(dict.fromkeys(normalize_text(c) for c in chars))
    known = [c for c in chars if base is not None and c in base]
    renderer = GlyphRenderer(font_path, face_index)
    rendered, missing = renderer.build_charset([c for c in chars if c not in known])
    charset = rendered if base is None else extend_charset(base, rendered)
    if not len(charset):
        raise ValueError(f'no character could be registered: the font has no glyph for '
                         f'{"".join(missing)!r}')
    return RegisteredDictionary(charset, renderer.font_name, rendered.chars, known, missing)
