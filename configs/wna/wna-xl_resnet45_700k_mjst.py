# WnA XL trained on MJSynth + SynthText: upstream's English close-set run
# XL/aroute_nd_only-v6S-reg-nedmix-AAF-ohem01E_promelas_mjst_b32 (the model, routing, losses,
# buckets and augmentation of xl_nedmix.py; upstream's loadout.py differs from the MOOSTR XL
# run only in its data factory). Training dictionary dab62cased (latin62); 700k iterations,
# the checkpoint upstream's test.py loads (_E3_I100000: 3 epochs of 200k + 100k); tested on
# the English benchmarks with the suite average ('average/acr'); validated on IIIT5k-close.
_base_ = [
    'wna-xl_resnet45_400k_moostr.py',
    '_base_/datasets/mjst_train.py',
    '_base_/datasets/english_test_all.py',
]

model = dict(train_charset=_base_.english_dict_path, default_charset=_base_.english_dict_path)
train_cfg = dict(max_iters=700000)

train_dataloader = dict(dataset=dict(datasets=_base_.mjst_train_datasets))
test_dataloader = dict(dataset=dict(datasets=_base_.english_test_datasets))
test_evaluator = dict(type='WnASuiteEvaluator', dataset_prefixes=_base_.english_test_names)
val_dataloader = dict(dataset=dict(datasets=_base_.english_test_datasets[:1]))
val_evaluator = dict(dataset_prefixes=_base_.english_test_names[:1])
