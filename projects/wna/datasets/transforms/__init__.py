"""wna data transforms (registered in MMOCR TRANSFORMS)."""
from .augment import WnAAugment
from .color import BGRToRGB
from .formatting import DEFAULT_META_KEYS, PackWnAInputs
from .thumbnail import RouterThumbnail

__all__ = ['WnAAugment', 'BGRToRGB', 'DEFAULT_META_KEYS', 'PackWnAInputs', 'RouterThumbnail']
