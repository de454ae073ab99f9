# Ablation 'r3' = paper AR-L.
# Router loss aroute, penalty loss, OHEM none, rule-based routing False;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'r3'
model = dict(
    loss=dict(penalty=dict(_delete_=True, type='WnALossPenalty'), mining=None),
)
