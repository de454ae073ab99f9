"""Inference dictionaries: registering new characters by rendering their glyphs, and the
dictionary a model reads with.

WnA classifies against prototypes computed from glyph images, so a character the model
never saw is registered by drawing it with a font; no weights change. Characters the font
cannot draw stay unregistered and are read as the unknown character ``'⑨'``.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from torch import nn

from projects.wna.charset import GlyphCharset, GlyphRenderer, normalize_text, requested_chars
from projects.wna.models import CharsetSource


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


def describe_source(source: CharsetSource) -> str:
    """A dictionary as named in descriptions: its path, or ``<GlyphCharset: N characters>``."""
    if isinstance(source, GlyphCharset):
        return f'<GlyphCharset: {len(source)} characters>'
    return os.fspath(source)


def choose_dictionary(model: nn.Module, dictionary: CharsetSource | None = None,
                      chars: str | Iterable[str] | None = None, chars_file: str | None = None,
                      font: str | os.PathLike | None = None, face_index: int = 0,
                      chars_only: bool = False) -> tuple[GlyphCharset, dict]:
    """The dictionary a wna recogniser reads with, and its JSON description.

    Args:
        model: a ``WnARecognizer`` (its ``default_charset`` and prototype bank are used).
        dictionary: the base dictionary: a saved one (``.npz``, ``vismeta.pt`` or its
            folder) or a :class:`~projects.wna.charset.GlyphCharset`; ``None`` for the
            model's ``default_charset`` (no base at all with ``chars_only``).
        chars, chars_file: characters to register (see
            :func:`~projects.wna.charset.requested_chars`; whitespace dropped), rendered
            with ``font`` (default Noto Sans CJK, face ``face_index``) and added to the
            base, or forming the dictionary alone with ``chars_only``.
        font, face_index: the font the registered characters are rendered with.
        chars_only: read with the registered characters alone.

    Returns:
        the dictionary and its description: ``source`` (the base as
        :func:`describe_source` names it; ``None`` with ``chars_only``) and, when
        characters were registered, ``font``, ``face_index`` and the ``added``, ``known``
        (already in the base: glyph kept) and ``missing`` (not drawable: they stay
        unknown) characters.

    Raises:
        ValueError: no dictionary at all, ``chars_only`` with a ``dictionary`` or without
            characters, or ``chars`` / ``chars_file`` naming no character.
        FileNotFoundError: the base dictionary does not exist.
    """
    registering = bool(chars or chars_file)
    if chars_only and (dictionary is not None or not registering):
        raise ValueError('chars_only (--chars-only) reads with the registered characters '
                         'alone: give chars/chars_file (--chars/--chars-file) and no '
                         'dictionary (--dict)')
    source = None if chars_only else (dictionary if dictionary is not None
                                      else model.default_charset)
    if source is None and not chars_only:
        raise ValueError('the config sets no model.default_charset; give a dictionary '
                         '(--dict), or characters to read with alone (--chars/--chars-file '
                         'with --chars-only)')
    try:
        base = None if source is None else model.prototype_bank.charset(source)
    except FileNotFoundError as e:
        hint = '' if dictionary is not None else ' (the config\'s model.default_charset; ' \
            'give a dictionary (--dict), fix it with --cfg-options, or read with ' \
            'registered characters alone (--chars-only))'
        raise FileNotFoundError(f'{e}{hint}') from None
    info = dict(source=None if source is None else describe_source(source))
    if not registering:
        return base, info
    wanted = requested_chars(chars, chars_file)
    if not wanted:
        raise ValueError('chars/chars_file (--chars/--chars-file) name no character')
    registered = register_chars(wanted, base, font, face_index)
    info.update(font=registered.font, face_index=face_index, added=registered.added,
                known=registered.known, missing=registered.missing)
    return registered.charset, info
