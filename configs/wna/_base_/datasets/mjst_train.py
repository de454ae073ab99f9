# MJSynth + SynthText, the training data of upstream's English close-set run
# (XL/aroute_nd_only-v6S-reg-nedmix-AAF-ohem01E_promelas_mjst_b32, data factory
# osocrNG/data_utils/common_data_presets_mk3/mjst_nonmask.py: mjst_mk3_data_factory_abiAAF).
# Defines `mjst_train_datasets` for a config's train_dataloader.dataset.datasets; pipeline,
# buckets (24 hori + 24 rect + 24 vert) and augmentation are the MOOSTR ones (same factory
# classes upstream). WNA_DATA_FORMAT picks the layout under $WNA_DATA:
#   upstream (default): ABINet's LMDBs as upstream names them (osocr_tasks/ds_paths.py):
#     MJ-abi/MJ_train, MJ-abi/MJ_test, ST-abi. Upstream lists the sources MJ, MJ-val, MJ-te,
#     ST, and its MJ-val also reads MJ_train (MJ_valid is never read): MJ_train is listed
#     twice here as well, so that it is drawn twice as often, as upstream draws it;
#   mmocr: MMOCR's dataset preparer output, mjsynth/ and synthtext/ with textrecog_train.json;
#   mmocr_lmdb: mjsynth/textrecog_train.lmdb and synthtext/textrecog_train.lmdb.
__root = '{{$WNA_DATA:data/mjst}}'
__format = '{{$WNA_DATA_FORMAT:upstream}}'

if __format == 'upstream':
    mjst_train_datasets = [
        dict(type='WnALMDBDataset', ann_file=f'{__root}/{lmdb}')
        for lmdb in ('MJ-abi/MJ_train', 'MJ-abi/MJ_train', 'MJ-abi/MJ_test', 'ST-abi')
    ]
elif __format == 'mmocr':
    mjst_train_datasets = [
        dict(type='WnAOCRDataset', data_root=f'{__root}/{name}', ann_file='textrecog_train.json')
        for name in ('mjsynth', 'synthtext')
    ]
elif __format == 'mmocr_lmdb':
    mjst_train_datasets = [
        dict(type='WnARecogLMDBDataset', ann_file=f'{__root}/{name}/textrecog_train.lmdb')
        for name in ('mjsynth', 'synthtext')
    ]
else:
    raise ValueError(f'WNA_DATA_FORMAT must be upstream, mmocr or mmocr_lmdb, got {__format!r}')
