# Ablation 'r2_s' = paper PG-N-S.
# Router loss pgroute, penalty nedmix, OHEM ohem01E, rule-based routing False;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'r2_s'
model = dict(
    routing=dict(rule_based=False),
    loss=dict(route='pgroute', penalty='nedmix', ohem='ohem01E'),
)
