# The English benchmarks of upstream's close-set run, as its test.py reads them
# (mjst_mk3_data_factory_abiAAF.get_mk3_benchmark_plus -> get_eng_test_v1 in
# osocrNG/data_utils/common_data_presets_mk3/mjst_nonmask.py): seven tests '<set>-close',
# each read with the dictionary dictsv2/dab62cased and has_unk=False (no rejection). Their
# WnAMetric `acr` is the word accuracy: case-insensitive, and a ground-truth character
# outside the 62 alphanumerics makes the word unreadable (as upstream's reporter scores it).
# Defines `english_test_datasets`, `english_test_names` (in upstream's order) and
# `english_dict_path` for a config's test_dataloader, evaluator and model. WNA_DATA_FORMAT picks the layout under $WNA_DATA:
#   upstream (default): the LMDB folders of upstream's osocr_tasks/ds_paths.py;
#   mmocr: MMOCR's dataset preparer output (<name>/textrecog_test.json and its images);
#   mmocr_lmdb: <name>/textrecog_test.lmdb (MMOCR's LMDB dumper / lmdb_converter.py).
# MMOCR has no IC03 preparer, so the MMOCR layouts have the other six tests.
__root = '{{$WNA_DATA:data/mjst}}'
__format = '{{$WNA_DATA_FORMAT:upstream}}'
english_dict_path = f'{__root}/dictsv2/dab62cased'

# (test key, upstream LMDB folder, MMOCR dataset folder or None)
__tests = [
    ('IIIT5k-close', 'IIIT5k_3000', 'iiit5k'),
    ('SVT-close', 'SVT', 'svt'),
    ('CUTE-close', 'CUTE80', 'cute80'),
    ('IC03-close', 'IC03_867', None),
    ('IC13-close', 'IC13_1015', 'icdar2013'),
    ('IC15-close', 'IC15_2077', 'icdar2015'),
    ('SVTP-close', 'SVTP', 'svtp'),
]

if __format == 'upstream':
    __sources = [(key, dict(type='WnALMDBDataset', ann_file=f'{__root}/{lmdb}'))
                 for key, lmdb, _ in __tests]
elif __format == 'mmocr':
    __sources = [(key, dict(type='WnAOCRDataset', data_root=f'{__root}/{name}',
                            ann_file='textrecog_test.json'))
                 for key, _, name in __tests if name]
elif __format == 'mmocr_lmdb':
    __sources = [(key, dict(type='WnARecogLMDBDataset',
                            ann_file=f'{__root}/{name}/textrecog_test.lmdb'))
                 for key, _, name in __tests if name]
else:
    raise ValueError(f'WNA_DATA_FORMAT must be upstream, mmocr or mmocr_lmdb, got {__format!r}')

english_test_datasets = [
    dict(source, test_mode=True, metainfo=dict(test_key=key, dict_path=english_dict_path, has_unk=False))
    for key, source in __sources
]
english_test_names = [key for key, _ in __sources]
