# WnA-S, the paper's main model (upstream run
# aroute_nd_only-v6S-tiny-nedmix-AAF-ohem01E): tiny canvases, aroute, nedmix penalty,
# ohem01E; trained on MOOSTR "seen" for 400k iterations, validated on JPNHV-GZSL.
_base_ = [
    '_base_/default_runtime.py',
    '_base_/models/wna_tiny.py',
    '_base_/schedules/adadelta_400k.py',
    '_base_/datasets/moostr_train.py',
    '_base_/datasets/moostr_test_ablation.py',
]
custom_imports = dict(imports=['projects.wna'], allow_failed_imports=False)
default_scope = 'mmocr'

variant = 'wna_s'
model = dict(
    train_charset='{{$WNA_DATA:data/moostr}}/dictsv2/dab3791MC',
    default_charset='{{$WNA_DATA:data/moostr}}/dictsv2/dabjpmlthv',
)
