"""Building blocks shared by several wna modules."""
from .attention_pool import WnASpatialAttentionPool
from .pixels import PIXEL_MEAN, PIXEL_SCALE, normalise_pixels

__all__ = ['WnASpatialAttentionPool', 'PIXEL_MEAN', 'PIXEL_SCALE', 'normalise_pixels']
