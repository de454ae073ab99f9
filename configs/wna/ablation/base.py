# Ablation 'base' = paper BASE (the router imitates the closest-anchor rule).
# Router loss aroute, penalty loss, OHEM none, rule-based routing True;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'base'
model = dict(
    routing=dict(type='WnARuleBasedRouting'),
    loss=dict(penalty=dict(_delete_=True, type='WnALossPenalty'), mining=None),
)
