"""Relative data paths of the configs resolve from any working directory, and data that is
nowhere is reported with the variables to set."""
import pytest
from conftest import ROOT, encode_png, make_charset

from projects.wna.charset import data_paths, load_charset
from projects.wna.datasets import WnALMDBDataset
from projects.wna.datasets.lmdb_io import write_lmdb


@pytest.fixture
def package_root(tmp_path, monkeypatch):
    """A stand-in for the checkout holding ``data/demo/{dicts/d.npz,set}``; the working
    directory is an unrelated empty folder."""
    root = tmp_path / 'checkout'
    (root / 'data' / 'demo' / 'dicts').mkdir(parents=True)
    make_charset(list('abc一二')).save(root / 'data' / 'demo' / 'dicts' / 'd.npz')
    write_lmdb(root / 'data' / 'demo' / 'set',
               [(encode_png(40, 20, seed=i), label) for i, label in enumerate(['ab', '一'])])
    monkeypatch.setattr(data_paths, 'PACKAGE_ROOT', str(root))
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return root


def test_the_package_root_of_a_checkout_is_the_checkout():
    assert data_paths.PACKAGE_ROOT == ROOT


def test_relative_paths_are_found_under_the_package_root_from_another_folder(package_root):
    charset = load_charset('data/demo/dicts/d.npz')
    assert charset.chars == list('abc一二')
    ds = WnALMDBDataset(ann_file='data/demo/set', test_mode=True)
    assert ds.ann_file == str(package_root / 'data' / 'demo' / 'set')
    assert [ds[i]['instances'][0]['text'] for i in range(len(ds))] == ['ab', '一']


def test_a_copy_in_the_working_directory_comes_first(package_root, tmp_path):
    local = tmp_path / 'elsewhere' / 'data' / 'demo' / 'dicts'
    local.mkdir(parents=True)
    make_charset(list('xyz')).save(local / 'd.npz')
    assert load_charset('data/demo/dicts/d.npz').chars == list('xyz')


def test_missing_data_names_both_places_and_the_variables(package_root, tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_charset('data/nowhere/dicts/train.npz')
    message = str(err.value)
    assert 'charset file not found: data/nowhere/dicts/train.npz' in message
    assert 'WNA_DEMO_DATA' in message and 'WNA_DATA' in message
    assert str(tmp_path / 'elsewhere') in message and str(package_root) in message
    with pytest.raises(FileNotFoundError, match='no LMDB at data/nowhere/set.*WNA_DEMO_DATA'):
        WnALMDBDataset(ann_file='data/nowhere/set', test_mode=True)
    # an absolute path is not looked up anywhere else
    with pytest.raises(FileNotFoundError) as err:
        load_charset(str(tmp_path / 'none.npz'))
    assert 'looked in' not in str(err.value) and 'WNA_DATA' in str(err.value)
