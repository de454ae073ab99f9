# WnA-S trained on MOOSTR "seen" (upstream run aroute_nd_only-v6S-tiny-nedmix-AAF-ohem01E):
# runtime, model, schedule, training data and dictionaries. Top-level configs add a test
# suite (`datasets/moostr_test_all.py` or `datasets/moostr_test_ablation.py`) and their diffs.
_base_ = [
    'default_runtime.py',
    'models/wna_tiny.py',
    'schedules/adadelta_400k.py',
    'datasets/moostr_train.py',
]

variant = 'wna_s'
model = dict(
    train_charset='{{$WNA_DATA:data/moostr}}/dictsv2/dab3791MC',
    default_charset='{{$WNA_DATA:data/moostr}}/dictsv2/dabjpmlthv',
)
