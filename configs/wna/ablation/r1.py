# Ablation 'r1' = paper PG-L.
# Router loss pgroute, penalty loss, OHEM none, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'r1'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='pgroute', penalty='loss', ohem='none'),
)
