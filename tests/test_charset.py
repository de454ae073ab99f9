"""Character lists, GlyphCharset round trips and case merging on real rendered glyphs."""
import codecs

import numpy as np
import pytest

from projects.wna.charset import GlyphCharset, GlyphRenderer, available_char_lists, load_char_list


def test_gb2312_level1_is_rows_16_to_55():
    chars = load_char_list('gb2312_level1')
    assert len(chars) == 3755 == len(set(chars))
    encoded = [codecs.encode(c, 'gb2312') for c in chars]
    rows = [b[0] - 0xA0 for b in encoded]
    assert min(rows) == 16 and max(rows) == 55
    assert sum(r == 55 for r in rows) == 89
    assert all(sum(r == row for r in rows) == 94 for row in range(16, 55))
    assert chars[0] == '啊' and chars[-1] == '座'


def test_shipped_lists():
    assert set(available_char_lists()) >= {'gb2312_level1', 'latin62', 'hiragana', 'katakana'}
    latin = load_char_list('latin62')
    assert ''.join(latin) == 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    hira, kata = load_char_list('hiragana'), load_char_list('katakana')
    for c in 'ぁゃっゎゕゖゝゞゔ':
        assert c in hira
    for c in 'ァャッヮヵヶヽヾヴー':
        assert c in kata
    assert '・' not in kata and not set(hira) & set(kata)


def test_char_file_errors(tmp_path):
    good = tmp_path / 'good.txt'
    good.write_text('a\n\n \nが\ne\u0301\n', encoding='utf-8')
    assert load_char_list(good) == ['a', ' ', 'が', '\u00e9']  # read in Unicode NFC
    two = tmp_path / 'two.txt'
    two.write_text('a\nab\n', encoding='utf-8')
    with pytest.raises(ValueError, match='two.txt:2: expected one character'):
        load_char_list(two)
    dup = tmp_path / 'dup.txt'
    dup.write_text('a\nb\na\n', encoding='utf-8')
    with pytest.raises(ValueError, match='repeats line 1'):
        load_char_list(dup)
    with pytest.raises(FileNotFoundError, match='latin62'):
        load_char_list('no_such_list')


@pytest.fixture(scope='module')
def latin_charset():
    charset, missing = GlyphRenderer().build_charset(load_char_list('latin62') + ['中', ' '])
    assert missing == []
    return charset


def test_case_merging_and_roundtrip(latin_charset, tmp_path):
    cs = latin_charset
    assert len(cs) == 64 and cs.num_labels == 26 + 10 + 2
    assert cs.label_of('A') == cs.label_of('a') != cs.label_of('b')
    assert cs.label_chars[cs.label_of('Q')] == 'q'
    assert sorted(cs.case_cluster('a')) == sorted([cs.index('A'), cs.index('a')])
    assert cs.glyphs[cs.index(' ')].max() == 0 and cs.blank_chars() == []
    path = tmp_path / 'c.npz'
    cs.save(path)
    back = GlyphCharset.from_npz(path)
    assert back.chars == cs.chars
    np.testing.assert_array_equal(back.glyphs, cs.glyphs)
    np.testing.assert_array_equal(back.labels, cs.labels)
    assert back.meta['font_name'] == 'Noto Sans CJK JP'


def test_case_sensitive_and_subset(latin_charset):
    sensitive, _ = GlyphRenderer().build_charset(['a', 'A'], case_sensitive=True)
    assert sensitive.num_labels == 2 and sensitive.meta['case_sensitive'] is True
    sub = latin_charset.subset(['A', 'a', '中'])
    assert sub.num_labels == 2 and sub.label_of('A') == sub.label_of('a')
    np.testing.assert_array_equal(sub.glyphs[2], latin_charset.glyphs[latin_charset.index('中')])
    orphan = latin_charset.subset(['B'])  # its master 'b' is dropped: B becomes a master
    assert orphan.num_labels == 1 and orphan.label_chars == ['B']
