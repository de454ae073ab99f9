# Ablation 'r1_s' = paper PG-L-S.
# Router loss pgroute, penalty loss, OHEM ohem01E, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'r1_s'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='pgroute', penalty='loss', ohem='ohem01E'),
)
