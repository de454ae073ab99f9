# Ablation 'r2' = paper PG-N.
# Router loss pgroute, penalty nedmix, OHEM none, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'r2'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='pgroute', penalty='nedmix', ohem='none'),
)
