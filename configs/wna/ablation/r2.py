# Ablation 'r2' = paper PG-N.
# Router loss pgroute, penalty nedmix, OHEM none, rule-based routing False;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'r2'
model = dict(
    loss=dict(route=dict(type='WnAPolicyGradientRouteLoss'), mining=None),
)
