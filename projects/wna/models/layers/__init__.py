"""Building blocks shared by several wna modules."""
from .attention_pool import WnASpatialAttentionPool
from .pixels import PIXEL_MEAN, PIXEL_SCALE, normalise_pixels
from .resize import resize_uint8_bilinear
from .versioning import weights_version

__all__ = ['WnASpatialAttentionPool', 'PIXEL_MEAN', 'PIXEL_SCALE', 'normalise_pixels',
           'resize_uint8_bilinear', 'weights_version']
