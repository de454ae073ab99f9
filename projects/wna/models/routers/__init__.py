"""The "watch" side: the router network and the routing policies."""
from .policies import MASKED_LOGIT, WnALearnedRouting, WnARoutingPolicy, WnARuleBasedRouting
from .router import WnARouter

__all__ = ['MASKED_LOGIT', 'WnALearnedRouting', 'WnARoutingPolicy', 'WnARuleBasedRouting',
           'WnARouter']
