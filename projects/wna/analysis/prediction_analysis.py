"""Error analysis of saved predictions: routing, seen / unseen and per-script character
accuracy, substitutions, rejection scores and accuracy by line length.

The input is the JSON lines of ``tools/test.py --save-preds`` (``WnAPredictionDumpHook``:
``<work_dir>/predictions/<test>.jsonl``) or of ``tools/infer.py``, one record per image:
``text`` (the reading, ``'⑨'`` for a rejected character), ``gt`` (the ground truth; an
``infer.py`` record of an LMDB has the stored ``label`` instead, images have neither),
``scores`` (one per character of ``text``), ``expert``, ``router_probs`` and ``ori_shape``
([H, W]). :func:`read_predictions` reads and checks one file, :func:`analyse_records` makes
every table of one file as JSON-ready data, :func:`markdown_section` prints them and
:func:`save_figures` draws them; :func:`analyse_files` and :func:`write_analysis` do it
for several files, as ``tools/analyze_predictions.py`` and ``tools/demo.py`` do.

Definitions (they follow :class:`~projects.wna.evaluation.WnAMetric`):

* text is compared in Unicode NFC, character by character in grapheme clusters;
* a line is *correct* when ``gt.lower() == text.replace('⑨', '').lower()`` (the metric's
  ``acr``; the ground truth is not masked with the test dictionary, which the records do
  not name, so on an open-set test a line holding an unknown character is never correct,
  as in the metric);
* character accuracy is the metric's ``char_acr``: the ground-truth characters (lower
  case) that an optimal edit-distance alignment with the reading (lower case, ``'⑨'``
  dropped) pairs with an equal character
  (:func:`~projects.wna.evaluation.metrics.alignment.aligned_hits`); a character is
  *seen* when its lower-case form is a character of the training dictionary (or a space);
* substitutions, deletions and insertions come from the reading aligned to its ground
  truth (:func:`~projects.wna.charset.align_reading`, the alignment the prediction panels
  mark: RapidFuzz's Levenshtein alignment of the lower-case grapheme sequences with
  ``'⑨'`` kept), so a rejected character shows as a substitution ``x → ⑨``;
* orientation is the image's aspect-ratio bucket of
  :data:`~projects.wna.datasets.DEFAULT_BUCKETS`: *wide* when W/H lies in the ``hori``
  bucket (W/H ≥ 2), *tall* in the ``vert`` bucket (W/H ≤ 0.5, i.e. H/W ≥ 2), *square*
  otherwise (the metric's own ``_hori`` / ``_vert`` split is W/H < 1 instead);
* a score is the softmax probability of the class greedy decoding chose at that step,
  over the dictionary's labels plus UNK; for a ``'⑨'`` it is the probability of UNK.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from projects.wna.charset import (
    UNKNOWN_CHAR,
    align_reading,
    load_charset,
    normalize_text,
    split_graphemes,
)
from projects.wna.charset.text_alignment import DELETION, INSERTION, MATCH
from projects.wna.datasets import DEFAULT_BUCKETS, buckets_of
from projects.wna.evaluation.metrics.alignment import character_hits as metric_character_hits
from projects.wna.evaluation.metrics.alignment import reads_line
from projects.wna.evaluation.report import markdown_table

#: Orientation rows of the routing table, and the bucket of DEFAULT_BUCKETS behind each.
ORIENTATIONS = ('wide', 'square', 'tall')
_BUCKET_OF = {'wide': 'hori', 'square': 'rect', 'tall': 'vert'}
#: Expert columns, in router order; other names found in the records follow them.
EXPERTS = ('hori', 'vert', 'rect')
#: Script rows of the per-script table (:func:`script_of`).
SCRIPTS = ('kanji', 'hiragana', 'katakana', 'latin', 'digit', 'other')
#: Bin edges of the score histograms (softmax probabilities).
SCORE_BINS = tuple(round(0.1 * i, 1) for i in range(11))
#: Rows of the substitution table.
TOP_CONFUSIONS = 20
UNKNOWN = 'unknown'  # orientation / expert of a record without ori_shape / expert

_KANJI = ((0x3005, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
          (0x20000, 0x3FFFF))
_HIRAGANA = ((0x3040, 0x309F), )
_KATAKANA = ((0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))


# ---------------------------------------------------------------------- reading
def read_predictions(path: str) -> list[dict]:
    """The records of one prediction file (JSON lines; blank lines are ignored).

    Raises:
        OSError: the file cannot be opened (missing, a folder, no permission).
        ValueError: a line that is not a JSON object with a ``text`` string (or
            ``null``), a file that is not UTF-8, or a file without any record; the
            message names the file and line (``'<path>:<line>: ...'``).
    """
    records = []
    with open(path, 'rb') as f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode('utf-8')
            except UnicodeDecodeError as err:
                raise ValueError(f'{path}:{lineno}: not UTF-8 text ({err.reason})') from err
            if line.strip():
                records.append(_check_record(path, lineno, line))
    if not records:
        raise ValueError(f'{path}: no prediction records (empty file)')
    return records


def _check_record(path: str, lineno: int, line: str) -> dict:
    try:
        record = json.loads(line.rstrip('\r\n'))
    except json.JSONDecodeError as err:
        raise ValueError(f'{path}:{lineno}: not valid JSON ({err.msg}, column {err.colno})'
                         ) from err
    if not isinstance(record, dict):
        raise ValueError(f'{path}:{lineno}: a prediction record must be a JSON object, got '
                         f'{type(record).__name__}')
    if 'text' not in record or not isinstance(record['text'], (str, type(None))):
        raise ValueError(f'{path}:{lineno}: a prediction record needs a "text" string')
    for key in ('gt', 'label', 'expert'):
        if not isinstance(record.get(key), (str, type(None))):
            raise ValueError(f'{path}:{lineno}: "{key}" must be a string or null')
    scores = record.get('scores')
    if scores is not None and (not isinstance(scores, list) or not all(
            isinstance(s, (int, float)) and not isinstance(s, bool) for s in scores)):
        raise ValueError(f'{path}:{lineno}: "scores" must be a list of numbers or null')
    return record


def ground_truth(record: Mapping) -> str | None:
    """The ground truth of a record: ``gt`` (test runs), else ``label`` (``infer.py`` on an
    LMDB), else ``None``."""
    gt = record.get('gt')
    return gt if gt is not None else record.get('label')


def seen_characters(train_dict: str) -> frozenset[str]:
    """The lower-case characters of a training dictionary plus ``' '``: the characters
    :class:`~projects.wna.evaluation.WnAMetric` counts as seen."""
    return frozenset(c.lower() for c in load_charset(train_dict).char_set | {' '})


# ---------------------------------------------------------------------- per character
def orientation_of(ori_shape: Sequence[int] | None,
                   buckets: Sequence[Mapping] = DEFAULT_BUCKETS) -> str:
    """``'wide'``, ``'square'`` or ``'tall'`` for an ``[H, W]`` shape by the aspect-ratio
    buckets (a W/H on the border of two buckets, 2 or 0.5, is wide or tall), or
    ``'unknown'`` without a usable shape."""
    if not ori_shape or len(ori_shape) < 2 or min(ori_shape[:2]) <= 0:
        return UNKNOWN
    names = buckets_of(int(ori_shape[1]), int(ori_shape[0]), buckets)
    for orientation in ('wide', 'tall', 'square'):
        if _BUCKET_OF[orientation] in names:
            return orientation
    return UNKNOWN


def orientation_labels(buckets: Sequence[Mapping] = DEFAULT_BUCKETS) -> dict[str, str]:
    """Row labels naming the W/H rule of each orientation, e.g. ``'wide (W/H ≥ 2)'``."""
    ranges = {b['name']: b['ratio'] for b in buckets}
    wide, tall = ranges['hori'][0], ranges['vert'][1]
    return dict(wide=f'wide (W/H ≥ {wide:g})', square=f'square ({tall:g} < W/H < {wide:g})',
                tall=f'tall (H/W ≥ {1 / tall:g})', unknown='no ori_shape')


def script_of(char: str) -> str:
    """The script row of a character (grapheme cluster, by its first code point): kanji
    (CJK ideographs, 々〆〇), hiragana, katakana (ー and half-width forms included),
    latin (Latin letters, full-width too), digit (Unicode ``Nd``), else other."""
    if not char:
        return 'other'
    code = ord(char[0])
    for script, ranges in (('kanji', _KANJI), ('hiragana', _HIRAGANA),
                           ('katakana', _KATAKANA)):
        if any(lo <= code <= hi for lo, hi in ranges):
            return script
    if unicodedata.category(char[0]) == 'Nd':
        return 'digit'
    name = unicodedata.name(char[0], '')
    if 'LATIN' in name and 'LETTER' in name:
        return 'latin'
    return 'other'


def line_correct(gt: str, text: str | None) -> bool:
    """The metric's line accuracy (:func:`~projects.wna.evaluation.metrics.alignment.
    reads_line`) of a reading (``None``: nothing read), in NFC."""
    return reads_line(normalize_text(gt), normalize_text(text or ''))


def character_hits(gt: str, text: str | None) -> tuple[list[str], list[bool]]:
    """The metric's character accuracy (:func:`~projects.wna.evaluation.metrics.alignment.
    character_hits`) of a reading (``None``: nothing read), in NFC: the lower-case
    ground-truth characters and whether each was read."""
    return metric_character_hits(normalize_text(gt), normalize_text(text or ''))


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _with_gt(records: Iterable[Mapping]) -> list[tuple[Mapping, str]]:
    return [(r, gt) for r in records if (gt := ground_truth(r)) is not None]


# ---------------------------------------------------------------------- tables
def routing_table(records: Sequence[Mapping],
                  buckets: Sequence[Mapping] = DEFAULT_BUCKETS) -> dict:
    """Orientation (by aspect ratio) × chosen expert: count and line accuracy per cell.

    Returns:
        ``orientations`` and ``experts`` (the rows and columns present, in order: every
        :data:`ORIENTATIONS` / :data:`EXPERTS` one, then ``'unknown'`` / other names when
        found), ``labels`` (row label per orientation), ``cells[orientation][expert]``,
        ``rows[orientation]``, ``cols[expert]`` and ``all``, each
        ``{n, n_gt, correct, line_acc}`` (``n_gt``: lines with a ground truth,
        ``line_acc = correct / n_gt`` or ``None``).
    """
    keyed = [(orientation_of(r.get('ori_shape'), buckets), r.get('expert') or UNKNOWN, r)
             for r in records]
    orientations = list(ORIENTATIONS) + ([UNKNOWN] if any(o == UNKNOWN for o, _, _ in keyed)
                                         else [])
    extra = sorted({e for _, e, _ in keyed} - set(EXPERTS))
    experts = list(EXPERTS) + extra

    def cell(selected: list[Mapping]) -> dict:
        pairs = _with_gt(selected)
        correct = sum(line_correct(gt, r.get('text')) for r, gt in pairs)
        return dict(n=len(selected), n_gt=len(pairs), correct=correct,
                    line_acc=_share(correct, len(pairs)))

    return dict(
        orientations=orientations, experts=experts,
        labels={o: orientation_labels(buckets)[o] for o in orientations},
        cells={o: {e: cell([r for o2, e2, r in keyed if (o2, e2) == (o, e)]) for e in experts}
               for o in orientations},
        rows={o: cell([r for o2, _, r in keyed if o2 == o]) for o in orientations},
        cols={e: cell([r for _, e2, r in keyed if e2 == e]) for e in experts},
        all=cell([r for _, _, r in keyed]))


def character_accuracy(records: Sequence[Mapping], seen: frozenset[str] | None = None
                       ) -> dict:
    """Character accuracy of the records with a ground truth: overall, seen / unseen
    (with the training dictionary's lower-case characters ``seen``) and per script.

    Returns:
        ``all``, ``seen`` and ``unseen`` (``None`` without ``seen``) and ``scripts``
        (``{script: ...}`` for each :data:`SCRIPTS` entry), each ``{chars, hits, acc}``.
    """
    counts: dict[str, list[int]] = {}

    def add(key: str, hit: bool) -> None:
        entry = counts.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += hit

    for record, gt in _with_gt(records):
        for char, hit in zip(*character_hits(gt, record.get('text'))):
            add('all', hit)
            add(f'script:{script_of(char)}', hit)
            if seen is not None:
                add('seen' if char in seen else 'unseen', hit)

    def entry(key: str) -> dict:
        chars, hits = counts.get(key, (0, 0))
        return dict(chars=chars, hits=hits, acc=_share(hits, chars))

    return dict(all=entry('all'),
                seen=entry('seen') if seen is not None else None,
                unseen=entry('unseen') if seen is not None else None,
                scripts={s: entry(f'script:{s}') for s in SCRIPTS})


def edit_operations(records: Sequence[Mapping], top: int = TOP_CONFUSIONS) -> dict:
    """Substitutions, deletions and insertions of each reading aligned to its ground truth
    (:func:`~projects.wna.charset.align_reading`; counted in lower case, ``'⑨'`` kept).

    Returns:
        ``chars`` (ground-truth characters), ``matches``, ``substitutions`` (of which
        ``rejections``: into ``'⑨'``), ``deletions`` and ``insertions`` (totals), and the
        ``top`` most frequent ``top_substitutions`` (``{gt, pred, count}``),
        ``top_deletions`` / ``top_insertions`` (``{char, count}``); ties in first-seen
        order.
    """
    subs: Counter[tuple[str, str]] = Counter()
    dels: Counter[str] = Counter()
    ins: Counter[str] = Counter()
    chars = 0
    for record, gt in _with_gt(records):
        for column in align_reading(gt, record.get('text') or ''):
            truth = None if column.gt is None else column.gt.lower()
            read = None if column.pred is None else column.pred.lower()
            chars += truth is not None
            if column.kind == DELETION:
                dels[truth] += 1
            elif column.kind == INSERTION:
                ins[read] += 1
            elif column.kind != MATCH:
                subs[truth, read] += 1
    n_subs, n_dels = sum(subs.values()), sum(dels.values())
    return dict(
        chars=chars, matches=chars - n_subs - n_dels, substitutions=n_subs,
        rejections=sum(n for (_, p), n in subs.items() if p == UNKNOWN_CHAR),
        deletions=n_dels, insertions=sum(ins.values()),
        top_substitutions=[dict(gt=g, pred=p, count=n) for (g, p), n in subs.most_common(top)],
        top_deletions=[dict(char=c, count=n) for c, n in dels.most_common(top)],
        top_insertions=[dict(char=c, count=n) for c, n in ins.most_common(top)])


def _histogram(values: list[float]) -> dict:
    counts, _ = np.histogram(np.clip(values, 0.0, 1.0), bins=SCORE_BINS)
    stats = dict(n=len(values), counts=[int(c) for c in counts])
    if values:
        stats.update(mean=float(np.mean(values)), median=float(np.median(values)),
                     min=float(min(values)), max=float(max(values)))
    return stats


def rejection_scores(records: Sequence[Mapping]) -> dict:
    """Histograms of the per-character scores of the readings: characters read ``'⑨'``
    (rejected) against known characters; with a ground truth, known characters are also
    split into read right / wrong (paired with an equal ground-truth character by
    :func:`~projects.wna.charset.align_reading`).

    Returns:
        ``open_set`` (some ground truth or reading holds ``'⑨'``), ``bins``
        (:data:`SCORE_BINS`), ``rejected``, ``known``, ``known_right`` and
        ``known_wrong``, each ``{n, counts[, mean, median, min, max]}``, and
        ``mismatched`` (records skipped: no scores, or not one score per character).
    """
    series: dict[str, list[float]] = {k: [] for k in ('rejected', 'known', 'known_right',
                                                       'known_wrong')}
    mismatched, open_set = 0, False
    for record in records:
        text, scores, gt = record.get('text') or '', record.get('scores'), ground_truth(record)
        open_set |= UNKNOWN_CHAR in text or (gt is not None and UNKNOWN_CHAR in gt)
        chars = split_graphemes(text)
        if scores is None or len(scores) != len(chars):
            mismatched += 1
            continue
        read_right = [] if gt is None else [
            column.kind == MATCH for column in align_reading(gt, text) if column.pred is not None]
        for j, (char, score) in enumerate(zip(chars, scores)):
            if char == UNKNOWN_CHAR:
                series['rejected'].append(float(score))
                continue
            series['known'].append(float(score))
            if gt is not None:
                series['known_right' if read_right[j] else 'known_wrong'].append(float(score))
    return dict(open_set=open_set, bins=list(SCORE_BINS), mismatched=mismatched,
                **{k: _histogram(v) for k, v in series.items()})


def length_table(records: Sequence[Mapping]) -> list[dict]:
    """Accuracy by ground-truth length (grapheme clusters, NFC), shortest first: one
    ``{length, n, correct, line_acc, chars, hits, char_acc}`` per length present."""
    rows: dict[int, list[int]] = {}
    for record, gt in _with_gt(records):
        chars, hits = character_hits(gt, record.get('text'))
        row = rows.setdefault(len(split_graphemes(normalize_text(gt))), [0, 0, 0, 0])
        row[0] += 1
        row[1] += line_correct(gt, record.get('text'))
        row[2] += len(chars)
        row[3] += sum(hits)
    return [dict(length=k, n=n, correct=c, line_acc=_share(c, n), chars=ch, hits=h,
                 char_acc=_share(h, ch)) for k, (n, c, ch, h) in sorted(rows.items())]


def analyse_records(records: Sequence[Mapping], seen: frozenset[str] | None = None,
                    test: str = 'predictions', path: str | None = None,
                    top: int = TOP_CONFUSIONS) -> dict:
    """Every table of one prediction file as JSON-ready data.

    Args:
        records: the file's records (:func:`read_predictions`).
        seen: lower-case characters of the training dictionary (:func:`seen_characters`);
            ``None`` leaves out the seen / unseen split.
        test: the test's name (the file stem).
        path: the file, for the report.
        top: rows of the substitution / deletion / insertion tables.

    Returns:
        ``test``, ``path``, ``n`` (lines), ``n_gt`` (lines with a ground truth), and
        ``routing`` (:func:`routing_table`), ``characters`` (:func:`character_accuracy`),
        ``edits`` (:func:`edit_operations`), ``lengths`` (:func:`length_table`) and
        ``scores`` (:func:`rejection_scores`); the ground-truth tables are ``None``
        when no record has a ground truth.
    """
    n_gt = len(_with_gt(records))
    return dict(
        test=test, path=path, n=len(records), n_gt=n_gt,
        routing=routing_table(records),
        characters=character_accuracy(records, seen) if n_gt else None,
        edits=edit_operations(records, top) if n_gt else None,
        lengths=length_table(records) if n_gt else None,
        scores=rejection_scores(records))


def stem_names(paths: Sequence[str]) -> list[str]:
    """The test name of each file: its stem (``DEMO-GZSL`` for ``.../DEMO-GZSL.jsonl``),
    with ``-2``, ``-3``, ... appended to a repeated stem."""
    names, used = [], Counter()
    for path in paths:
        stem = osp.splitext(osp.basename(path))[0]
        used[stem] += 1
        names.append(stem if used[stem] == 1 else f'{stem}-{used[stem]}')
    return names


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Files as given; a folder stands for the ``*.jsonl`` files directly inside it,
    sorted by name.

    Raises:
        FileNotFoundError: a path that does not exist.
        ValueError: a folder without ``.jsonl`` files.
    """
    files = []
    for path in paths:
        if osp.isdir(path):
            found = sorted(osp.join(path, n) for n in os.listdir(path) if n.endswith('.jsonl'))
            if not found:
                raise ValueError(f'{path}: no .jsonl prediction files in this folder')
            files += found
        elif not osp.exists(path):
            raise FileNotFoundError(2, 'No such file or directory', path)
        else:
            files.append(path)
    return files


def analyse_files(paths: Sequence[str], train_dict: str | None = None,
                  top: int = TOP_CONFUSIONS) -> dict[str, dict]:
    """:func:`analyse_records` of every prediction file (folders: their ``*.jsonl``),
    by test name (:func:`stem_names`), in the given order. Every file is read before any
    is analysed, so a bad one fails fast (the errors of :func:`read_predictions` and
    :func:`~projects.wna.charset.load_charset`)."""
    files = expand_paths(paths)
    contents = [read_predictions(f) for f in files]
    seen = seen_characters(train_dict) if train_dict else None
    return {name: analyse_records(records, seen, name, path, top)
            for name, path, records in zip(stem_names(files), files, contents)}


# ---------------------------------------------------------------------- Markdown
def _pct(value: float | None) -> str:
    return '-' if value is None else f'{100 * value:.2f}'


def show_char(char: str) -> str:
    """A character for a Markdown cell: with its code points (``一 U+4E00``), a space as
    ``␣``, ``|`` escaped."""
    points = ' '.join(f'U+{ord(c):04X}' for c in char)
    shown = {' ': '␣', '|': '\\|'}.get(char, char)
    return f'{shown} {points}'


def _routing_markdown(table: dict, has_gt: bool) -> str:
    def cell(entry: dict) -> str:
        if not has_gt or entry['n'] == 0:
            return str(entry['n'])
        return f'{entry["n"]} ({_pct(entry["line_acc"])})'

    rows = [[table['labels'][o], *(cell(table['cells'][o][e]) for e in table['experts']),
             cell(table['rows'][o])] for o in table['orientations']]
    rows.append(['all', *(cell(table['cols'][e]) for e in table['experts']),
                 cell(table['all'])])
    return markdown_table(['orientation', *table['experts'], 'all'], rows)


def markdown_section(analysis: dict) -> str:
    """The Markdown section of one file's analysis (a ``##`` heading per test)."""
    has_gt = analysis['n_gt'] > 0
    out = [f'## {analysis["test"]}', '']
    source = f'`{analysis["path"]}`: ' if analysis.get('path') else ''
    out += [f'{source}{analysis["n"]} lines, {analysis["n_gt"]} with a ground truth.', '']
    if not has_gt:
        out += ['No record has a ground truth (`gt`, or `label` of an LMDB record): the '
                'accuracy tables are skipped.', '']
    elif analysis['n_gt'] < analysis['n']:
        out += [f'{analysis["n"] - analysis["n_gt"]} lines without a ground truth count in '
                'the routing table only.', '']

    out += ['### Routing: orientation × expert', '',
            'Lines per cell' + (' (line accuracy, %)' if has_gt else '')
            + '; orientation by the aspect-ratio buckets of the training sampler.', '',
            _routing_markdown(analysis['routing'], has_gt), '']

    if has_gt:
        chars = analysis['characters']
        rows = [['all', chars['all']]]
        if chars['seen'] is not None:
            rows += [['seen (in the training dictionary)', chars['seen']],
                     ['unseen', chars['unseen']]]
        else:
            rows += [['seen / unseen', None]]
        out += ['### Character accuracy', '', markdown_table(
            ['characters', 'n', 'read', 'accuracy (%)'],
            ([name, str(e['chars']), str(e['hits']), _pct(e['acc'])] if e else
             [name, '-', '-', 'needs --train-dict'] for name, e in rows)), '',
            markdown_table(['script', 'n', 'read', 'accuracy (%)'],
                           ([s, str(e['chars']), str(e['hits']), _pct(e['acc'])]
                            for s, e in chars['scripts'].items() if e['chars'])), '']

        edits = analysis['edits']
        out += ['### Edit operations', '',
                f'{edits["chars"]} ground-truth characters: {edits["matches"]} matched, '
                f'{edits["substitutions"]} substituted ({edits["rejections"]} rejected as '
                f'{UNKNOWN_CHAR}), {edits["deletions"]} deleted; {edits["insertions"]} '
                'inserted.', '']
        if edits['top_substitutions']:
            out += [markdown_table(['gt', 'read', 'count'],
                                   ([show_char(s['gt']), show_char(s['pred']), str(s['count'])]
                                    for s in edits['top_substitutions'])), '']
        for key, what in (('top_deletions', 'Most deleted'), ('top_insertions',
                                                             'Most inserted')):
            if edits[key]:
                listed = ', '.join(f'{show_char(e["char"])} ×{e["count"]}' for e in edits[key])
                out += [f'{what}: {listed}.', '']

    scores = analysis['scores']
    out += ['### Rejection scores', '']
    if not scores['rejected']['n'] and not scores['open_set']:
        out += [f'No character was read as {UNKNOWN_CHAR} (and no ground truth holds one).', '']
    else:
        series = ['rejected', 'known'] + (['known_right', 'known_wrong'] if has_gt else [])
        names = dict(rejected=f'read {UNKNOWN_CHAR}', known='known', known_right='known, right',
                     known_wrong='known, wrong')
        bins = scores['bins']
        rows = [[f'{bins[i]:.1f}–{bins[i + 1]:.1f}',
                 *(str(scores[s]['counts'][i]) for s in series)] for i in range(len(bins) - 1)]
        rows += [['n', *(str(scores[s]['n']) for s in series)],
                 ['mean', *(f'{scores[s]["mean"]:.3f}' if scores[s]['n'] else '-'
                            for s in series)]]
        out += ['Score: the softmax probability of the class chosen at each step (for '
                f'{UNKNOWN_CHAR}: of UNK).', '',
                markdown_table(['score', *(names[s] for s in series)], rows), '']
    if scores['mismatched']:
        out += [f'{scores["mismatched"]} lines without one score per character are left out '
                'of the score histograms.', '']

    if has_gt:
        out += ['### Accuracy by line length', '', markdown_table(
            ['length', 'lines', 'line acc (%)', 'characters', 'char acc (%)'],
            ([str(r['length']), str(r['n']), _pct(r['line_acc']), str(r['chars']),
              _pct(r['char_acc'])] for r in analysis['lengths'])), '']
    return '\n'.join(out).rstrip() + '\n'


def markdown_report(analyses: Mapping[str, dict], train_dict: str | None = None) -> str:
    """The whole report: a title, the training dictionary used and one section per file."""
    head = ['# Prediction analysis', '',
            f'Training dictionary: `{train_dict}`.' if train_dict else
            'No training dictionary given (`--train-dict`): no seen / unseen split.', '']
    return '\n'.join(head) + '\n' + '\n'.join(markdown_section(a) for a in analyses.values())


def summary_line(analyses: Mapping[str, dict]) -> str:
    """One line of counts: files, lines (with a ground truth), characters read ``'⑨'``
    and substitutions other than rejections (the per-test accuracies are in the report;
    pooling them over closed- and open-set tests would mix two kinds of "unseen")."""
    lines = sum(a['n'] for a in analyses.values())
    with_gt = sum(a['n_gt'] for a in analyses.values())
    rejected = sum(a['scores']['rejected']['n'] for a in analyses.values())
    misread = sum(a['edits']['substitutions'] - a['edits']['rejections']
                  for a in analyses.values() if a['edits'])
    return (f'{len(analyses)} prediction file(s), {lines} lines ({with_gt} with a ground '
            f'truth), {rejected} characters read as {UNKNOWN_CHAR}, {misread} misread')


# ---------------------------------------------------------------------- figures
def _safe(name: str) -> str:
    return ''.join(c if c.isalnum() or c in '-_.' else '_' for c in name)


def save_figures(analysis: dict, out_dir: str) -> list[str]:
    """Draw one file's figures into ``out_dir`` (matplotlib, Agg):
    ``<test>_routing.png`` (heatmap), and with a ground truth ``<test>_length.png``
    (accuracy by length); with any ``'⑨'`` ``<test>_scores.png`` (score histograms).
    Returns the files written."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # after choosing the file-only backend
    from matplotlib.ticker import MaxNLocator

    os.makedirs(out_dir, exist_ok=True)
    stem = osp.join(out_dir, _safe(analysis['test']))
    written = []
    has_gt = analysis['n_gt'] > 0

    table = analysis['routing']
    rows, cols = table['orientations'], table['experts']
    counts = np.array([[table['cells'][o][e]['n'] for e in cols] for o in rows])
    accs = np.array([[np.nan if table['cells'][o][e]['line_acc'] is None
                      else table['cells'][o][e]['line_acc'] for e in cols] for o in rows])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    shown = accs if has_gt else counts
    vmax = 1 if has_gt else max(1, int(counts.max()))
    image = ax.imshow(shown, cmap='viridis', vmin=0, vmax=vmax)
    fig.colorbar(image, ax=ax, label='line accuracy' if has_gt else 'lines')
    for i in range(len(rows)):
        for j in range(len(cols)):
            label = f'{counts[i, j]}'
            if has_gt and not np.isnan(accs[i, j]):
                label += f'\n{100 * accs[i, j]:.1f}%'
            dark = not np.isnan(shown[i, j]) and shown[i, j] < 0.6 * vmax
            ax.text(j, i, label, ha='center', va='center', fontsize=9,
                    color='white' if dark else 'black')
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), [table['labels'][o] for o in rows])
    ax.set_xlabel('chosen expert')
    ax.set_title(f'{analysis["test"]}: routing (lines, line accuracy)')
    fig.tight_layout()
    fig.savefig(f'{stem}_routing.png')
    plt.close(fig)
    written.append(f'{stem}_routing.png')

    if has_gt and analysis['lengths']:
        lengths = analysis['lengths']
        x = [r['length'] for r in lengths]
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
        ax.bar(x, [r['n'] for r in lengths], color='0.85', label='lines')
        ax.set_xlabel('ground-truth length (characters)')
        ax.set_ylabel('lines')
        ax.set_ylim(0, 1.35 * max(r['n'] for r in lengths))  # room for the legend
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        acc_ax = ax.twinx()
        for key, label in (('line_acc', 'line accuracy'), ('char_acc', 'character accuracy')):
            acc_ax.plot(x, [np.nan if r[key] is None else r[key] for r in lengths], marker='o',
                        label=label)
        acc_ax.set_ylim(0, 1.02)
        acc_ax.set_ylabel('accuracy')
        handles = ax.get_legend_handles_labels()
        more = acc_ax.get_legend_handles_labels()
        acc_ax.legend(handles[0] + more[0], handles[1] + more[1], loc='upper right')
        ax.grid(alpha=0.3)
        ax.set_title(f'{analysis["test"]}: accuracy by line length')
        fig.tight_layout()
        fig.savefig(f'{stem}_length.png')
        plt.close(fig)
        written.append(f'{stem}_length.png')

    scores = analysis['scores']
    if scores['rejected']['n'] or scores['open_set']:
        bins = np.array(scores['bins'])
        width = (bins[1] - bins[0])
        series = [('rejected', 'rejected (read as UNK)')]
        series += ([('known_right', 'known, right'), ('known_wrong', 'known, wrong')] if has_gt
                   else [('known', 'known')])
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
        step = width / (len(series) + 1)
        for k, (key, label) in enumerate(series):
            ax.bar(bins[:-1] + step * (k + 0.5), scores[key]['counts'], width=step,
                   align='edge', label=f'{label} (n={scores[key]["n"]})')
        ax.set_xticks(bins)
        ax.set_xlabel('score (softmax probability of the chosen class)')
        ax.set_ylabel('characters')
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_title(f'{analysis["test"]}: scores of rejected and known characters')
        fig.tight_layout()
        fig.savefig(f'{stem}_scores.png')
        plt.close(fig)
        written.append(f'{stem}_scores.png')
    return written


def write_analysis(analyses: Mapping[str, dict], out_dir: str,
                   train_dict: str | None = None) -> dict[str, object]:
    """Write ``analysis.md`` (:func:`markdown_report`), ``analysis.json``
    (``{'train_dict', 'files': {test: analysis}}``) and every file's figures into
    ``out_dir``; returns the paths (``markdown``, ``json``, ``figures``)."""
    os.makedirs(out_dir, exist_ok=True)
    md_path, json_path = osp.join(out_dir, 'analysis.md'), osp.join(out_dir, 'analysis.json')
    with open(md_path, 'w', encoding='utf-8') as f:
        f.write(markdown_report(analyses, train_dict))
    with open(json_path, 'w', encoding='utf-8') as f:
        json.dump(dict(train_dict=train_dict, files=dict(analyses)), f, indent=2,
                  ensure_ascii=False)
    figures = [p for a in analyses.values() for p in save_figures(a, out_dir)]
    return dict(markdown=md_path, json=json_path, figures=figures)
