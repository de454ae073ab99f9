# Ablation 'r1' = paper PG-L.
# Router loss pgroute, penalty loss, OHEM none, rule-based routing False;
# everything else as WnA-S; evaluated on JPNHV-GZSL only.
_base_ = ['../_base_/wna_s_moostr.py', '../_base_/datasets/moostr_test_ablation.py']

variant = 'r1'
model = dict(
    loss=dict(
        # as upstream's pgroute runs: no gradient reaches the router (it keeps its
        # initial weights); detach_log_probs=False trains it by policy gradient
        route=dict(type='WnAPolicyGradientRouteLoss', detach_log_probs=True),
        penalty=dict(_delete_=True, type='WnALossPenalty'),
        mining=None),
)
