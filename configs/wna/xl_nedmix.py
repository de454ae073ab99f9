# WnA XL (upstream run XL/aroute_nd_only-v6S-reg-nedmix-AAF-ohem01E_promelas_b32): WnA-S
# with "reg" canvases (hori 32x128, vert 128x32, rect 64x64) and a 64-wide stem in both
# the shared core and the router core; evaluated on the full nine-test suite.
_base_ = [
    '_base_/default_runtime.py',
    '_base_/models/wna_tiny.py',
    '_base_/schedules/adadelta_400k.py',
    '_base_/datasets/moostr_train.py',
    '_base_/datasets/moostr_test_all.py',
]
custom_imports = dict(imports=['projects.wna'], allow_failed_imports=False)
default_scope = 'mmocr'

variant = 'xl'
model = dict(
    backbone=dict(channels=[64, 64, 128, 256, 512, 512]),
    experts=dict(hori=dict(canvas=[32, 128]), vert=dict(canvas=[128, 32])),
    train_charset='{{$WNA_DATA:data/moostr}}/dictsv2/dab3791MC',
    default_charset='{{$WNA_DATA:data/moostr}}/dictsv2/dabjpmlthv',
)
