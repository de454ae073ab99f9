"""WnA's training objective (MODEL.md 8): ``WnAMoELoss`` and its registered parts."""
from .mining import WnAOHEM
from .moe_loss import ExpertLogits, WnAMoELoss
from .penalties import WnALossPenalty, WnANEDMixPenalty, normalised_edit_distance
from .recognition import WnARecognitionLoss, per_sample_recognition_loss
from .route_losses import (
    NOT_ROUTED,
    WnAImitationRouteLoss,
    WnAPolicyGradientRouteLoss,
    aroute_loss,
    pgroute_loss,
)

__all__ = ['WnAOHEM', 'ExpertLogits', 'WnAMoELoss', 'WnALossPenalty', 'WnANEDMixPenalty',
           'normalised_edit_distance', 'WnARecognitionLoss', 'per_sample_recognition_loss',
           'NOT_ROUTED', 'WnAImitationRouteLoss', 'WnAPolicyGradientRouteLoss', 'aroute_loss',
           'pgroute_loss']
