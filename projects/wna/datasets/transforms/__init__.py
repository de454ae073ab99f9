"""wna data transforms (registered in MMOCR TRANSFORMS)."""
from .augment import WnAAugment
from .color import WnABGRToRGB
from .formatting import DEFAULT_META_KEYS, PackWnAInputs
from .thumbnail import WnARouterThumbnail

__all__ = ['WnAAugment', 'WnABGRToRGB', 'DEFAULT_META_KEYS', 'PackWnAInputs',
           'WnARouterThumbnail']
