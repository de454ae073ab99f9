# Ablation 'base_s' = paper WOAROUTE (BASE + ohem01E).
# Router loss aroute, penalty loss, OHEM ohem01E, rule-based routing True;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'base_s'
model = dict(
    routing=dict(type='WnARuleBasedRouting'),
    loss=dict(penalty=dict(_delete_=True, type='WnALossPenalty')),
)
