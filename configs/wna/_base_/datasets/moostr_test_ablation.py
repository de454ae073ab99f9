# Ablation evaluation, as upstream's `abltest.py`: only JPNHV-GZSL, at batch size 16,
# for both test and validation ('JPNHV-GZSL/acr', ...).
_base_ = ['./moostr_test_all.py']

test_dataloader = _base_.val_dataloader
test_evaluator = _base_.val_evaluator
