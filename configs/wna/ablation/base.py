# Ablation 'base' = paper BASE (the router imitates the closest-anchor rule).
# Router loss aroute, penalty loss, OHEM none, rule-based routing True;
# everything else as WnA-S (../tiny_nedmix.py).
_base_ = ['../tiny_nedmix.py']

variant = 'base'
model = dict(
    routing=dict(rule_based=True),
    loss=dict(route='aroute', penalty='loss', ohem='none'),
)
