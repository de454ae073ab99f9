"""Reliability of text and tool errors: Unicode NFC everywhere text enters, and one-line
``error: ...`` messages (exit code 2) instead of tracebacks in the tools."""
from __future__ import annotations

import ast
import glob
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import matplotlib
import numpy as np
import pytest
import torch
from conftest import NARROW_CONFIG, ROOT, run_tool_main
from test_metrics import evaluate, make_dict, sample

from projects.wna.apis import register_chars
from projects.wna.apis.cli import run_main, split_debug_flag
from projects.wna.charset import (
    GlyphCharset,
    GlyphRenderer,
    distinct_chars,
    load_char_list,
    load_charset,
    normalize_text,
    requested_chars,
)
from projects.wna.convert import load_upstream_modules

DEJAVU = os.path.join(matplotlib.get_data_path(), 'fonts', 'ttf', 'DejaVuSans.ttf')
GA_NFC = '\u304c'           # が
GA_NFD = '\u304b\u3099'     # か + combining voiced sound mark


def blank_glyphs(n: int) -> np.ndarray:
    return np.zeros((n, 32, 32), np.uint8)


def truncated_copy(src: str, dst: str) -> str:
    """``dst``: the first half of the bytes of ``src``."""
    with open(src, 'rb') as f:
        data = f.read()
    with open(dst, 'wb') as f:
        f.write(data[:len(data) // 2])
    return dst


def run_tool(name: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python tools/<name>.py ARGS`` from the repository root, as a user runs it."""
    return subprocess.run([sys.executable, os.path.join('tools', f'{name}.py'), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def assert_one_line_error(code: int, stderr: str, *names: str) -> str:
    """Exit code 2, no traceback, one ``error: ...`` line naming every item of ``names``."""
    assert code == 2, stderr
    assert 'Traceback' not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1, stderr
    for name in names:
        assert name in errors[0]
    return errors[0]


# --------------------------------------------------------------------- Unicode NFC
def test_normalize_text_is_nfc():
    assert normalize_text(GA_NFD) == GA_NFC
    assert normalize_text('e\u0301') == '\u00e9'
    assert normalize_text('abc') == 'abc'


def test_charset_from_nfd_characters_holds_nfc(tmp_path):
    charset = GlyphCharset([GA_NFD, 'e\u0301', 'a'], blank_glyphs(3))
    assert charset.chars == [GA_NFC, '\u00e9', 'a']
    assert GA_NFC in charset and charset.label_of(GA_NFC) == 0
    charset.save(tmp_path / 'c.npz')
    assert load_charset(tmp_path / 'c.npz').chars == [GA_NFC, '\u00e9', 'a']
    rendered, missing = GlyphRenderer().build_charset([GA_NFD])
    assert rendered.chars == [GA_NFC] and not missing


def test_characters_equal_after_nfc_are_duplicates():
    with pytest.raises(ValueError, match=r"duplicate characters in charset: 'が' \(written "
                       r'U\+304C and U\+304B U\+3099, equal after Unicode NFC\)'):
        GlyphCharset([GA_NFC, 'a', GA_NFD], blank_glyphs(3))


def test_requested_characters_are_nfc(tmp_path):
    assert requested_chars(f'{GA_NFD}{GA_NFC}b') == [GA_NFC, 'b']
    listed = tmp_path / 'kana.txt'
    listed.write_text(f'{GA_NFD}\nき\n', encoding='utf-8')
    assert requested_chars(char_file=str(listed)) == [GA_NFC, 'き']
    listed.write_text(f'{GA_NFC}\n{GA_NFD}\n', encoding='utf-8')
    with pytest.raises(ValueError, match='kana.txt:2: .* repeats line 1'):
        load_char_list(listed)
    registered = register_chars([GA_NFD, 'a'], base=GlyphCharset([GA_NFC], blank_glyphs(1)),
                                font_path=DEJAVU)
    assert registered.known == [GA_NFC] and registered.charset.chars == [GA_NFC, 'a']


def test_test_label_characters_are_nfc():
    assert distinct_chars([f'{GA_NFD}き', None, f'{GA_NFC}']) == [GA_NFC, 'き']


def test_metric_compares_in_nfc(tmp_path):
    dict_path = make_dict(tmp_path, 'kana', [GA_NFC, 'き'])
    closed = evaluate([sample(f'{GA_NFD}き', f'{GA_NFC}き', dict_path),
                       sample(f'{GA_NFC}き', f'{GA_NFD}き', dict_path)])
    assert closed['acr'] == 1 and closed['lenpred_acr'] == 1
    # Open set: the NFD line is known (not unknown) and read correctly.
    opened = evaluate([sample(f'{GA_NFD}き', f'{GA_NFC}き', dict_path, has_unk=True),
                       sample('x', '⑨', dict_path, has_unk=True)])
    assert opened['kacr'] == 1 and opened['r'] == 1 and opened['p'] == 1


# ------------------------------------------------------- messages naming the file
def test_damaged_charset_files_name_their_path(tmp_path):
    good = tmp_path / 'good.npz'
    GlyphCharset(['a', 'b'], blank_glyphs(2)).save(good)
    torch.save({'chars': ['a']}, tmp_path / 'good.pt')
    cases = {
        truncated_copy(str(good), str(tmp_path / 'half.npz')): 'BadZipFile',
        truncated_copy(str(tmp_path / 'good.pt'), str(tmp_path / 'half.pt')): 'RuntimeError',
    }
    for name in ('empty.npz', 'empty.pt'):
        (tmp_path / name).write_bytes(b'')
        cases[str(tmp_path / name)] = 'EOFError'
    for path, reason in cases.items():
        with pytest.raises(ValueError) as info:
            load_charset(path)
        assert str(info.value).startswith(f'{path}: not a readable charset ({reason}')
        assert '\n' not in str(info.value)


def test_font_errors_name_the_file(tmp_path):
    not_a_font = tmp_path / 'notes.ttf'
    not_a_font.write_text('not a font')
    with pytest.raises(ValueError, match=f'cannot open face 0 of {not_a_font}: Not a TrueType'):
        GlyphRenderer(not_a_font)
    with pytest.raises(ValueError, match=f'cannot open face 3 of {DEJAVU}'):
        GlyphRenderer(DEJAVU, face_index=3)


def test_char_list_errors_name_the_list(tmp_path):
    with pytest.raises(FileNotFoundError, match="no character list 'latin26'"):
        load_char_list('latin26')
    binary = tmp_path / 'latin1.txt'
    binary.write_bytes('a\nb\n\u00e9\n'.encode('latin-1'))
    with pytest.raises(ValueError, match=f'{binary}:3: not UTF-8 text'):
        load_char_list(binary)


def test_unreadable_upstream_module_names_the_file(tmp_path):
    (tmp_path / 'fe_fe_core_E2.pth').write_bytes(b'')
    with pytest.raises(ValueError, match=f'{tmp_path}/fe_fe_core_E2.pth: not a readable '
                       r'upstream module file \(EOFError'):
        load_upstream_modules(tmp_path)


# --------------------------------------------------------------------- run_main
def test_run_main_exit_codes(monkeypatch, capsys):
    monkeypatch.delenv('WNA_DEBUG', raising=False)

    def missing(argv):
        raise FileNotFoundError(2, 'No such file or directory', 'in.lmdb')

    assert run_main(missing, []) == 2
    assert capsys.readouterr().err == 'error: in.lmdb: No such file or directory\n'
    assert run_main(lambda argv: 1, []) == 1        # a tool's own exit code is kept
    assert run_main(lambda argv: {'acr': 1.0}, []) == 0
    with pytest.raises(ZeroDivisionError):           # a bug keeps its traceback
        run_main(lambda argv: 1 / 0, [])
    monkeypatch.setenv('WNA_DEBUG', '1')
    with pytest.raises(FileNotFoundError):
        run_main(missing, [])


def test_debug_flag_is_stripped_before_the_tool_parses():
    assert split_debug_flag(['a', '--debug', '--out', 'x']) == (['a', '--out', 'x'], True)
    assert split_debug_flag(['a', '--', '--debug']) == (['a', '--', '--debug'], False)
    seen = []
    assert run_main(seen.append, ['--debug', 'x']) == 0 and seen == [['x']]


# ---------------------------------------------------------- the tools, as run by users
def test_every_tool_script_exits_through_run_main():
    """Each ``tools/*.py`` ends with ``if __name__ == '__main__': ... sys.exit(run_main(main))``
    (run_main from ``projects.wna.apis.cli``), so the in-process runs of the tests
    (``run_tool_main``) see what a user's command line does."""
    scripts = sorted(glob.glob(os.path.join(ROOT, 'tools', '*.py')))
    assert len(scripts) > 10
    for script in scripts:
        with open(script, encoding='utf-8') as f:
            last = ast.parse(f.read()).body[-1]
        assert isinstance(last, ast.If) and ast.unparse(last.test) == "__name__ == '__main__'", \
            script
        assert 'from projects.wna.apis.cli import run_main' in map(ast.unparse, last.body), \
            script
        assert ast.unparse(last.body[-1]) == 'sys.exit(run_main(main))', script


def test_tool_missing_font_is_one_line_and_debug_shows_the_traceback(tmp_path):
    font = str(tmp_path / 'missing.ttf')
    args = ('--chars', 'ab', '--font', font, '--out', str(tmp_path / 'c.npz'))
    with ThreadPoolExecutor(2) as pool:  # the two runs side by side
        plain, debug = pool.map(lambda extra: run_tool('build_charset', *args, *extra),
                                [(), ('--debug', )])
    assert_one_line_error(plain.returncode, plain.stderr, font)
    assert debug.returncode == 1
    assert 'Traceback' in debug.stderr and f'FileNotFoundError: font file not found: {font}' \
        in debug.stderr


def test_tool_truncated_dictionary_is_one_line(tmp_path, capsys):
    torch.save({'chars': ['a']}, tmp_path / 'good.pt')
    half = truncated_copy(str(tmp_path / 'good.pt'), str(tmp_path / 'vismeta.pt'))
    code = run_tool_main('build_charset', ['--from-vismeta', half,
                                           '--out', str(tmp_path / 'c.npz')])
    error = assert_one_line_error(code, capsys.readouterr().err, half)
    assert 'not a readable charset' in error


def test_tool_corrupt_upstream_module_is_one_line(tmp_path, capsys):
    module = tmp_path / 'fe_fe_core_E2.pth'
    module.write_bytes(bytes(range(256)) * 4)
    code = run_tool_main('convert_upstream', [str(tmp_path), '--config', NARROW_CONFIG,
                                              '--out', str(tmp_path / 'out.pth')])
    error = assert_one_line_error(code, capsys.readouterr().err, str(module))
    assert 'not a readable upstream module file' in error
