"""wna datasets (components registered into MMOCR's registries)."""
from .glyph_dataset import WnAGlyphDataset
from .image_decoding import decode_image
from .lmdb_dataset import WnALMDBDataset, image_header_size
from .lmdb_io import (
                      CorruptLMDBError,
                      LMDBRecord,
                      detect_index_base,
                      open_lmdb_readonly,
                      read_labels,
                      read_num_samples,
                      write_lmdb,
)
from .mmocr_datasets import WnAOCRDataset, WnARecogLMDBDataset
from .samplers import (
    DEFAULT_BUCKETS,
    BucketSamplerDataset,
    WnAAspectRatioBucketBatchSampler,
    buckets_of,
    in_ratio_range,
)
from .transforms import PackWnAInputs, WnAAugment, WnABGRToRGB, WnARouterThumbnail

__all__ = [
    'WnALMDBDataset', 'WnAGlyphDataset', 'WnAOCRDataset', 'WnARecogLMDBDataset', 'decode_image',
    'image_header_size', 'CorruptLMDBError', 'LMDBRecord',
    'detect_index_base', 'open_lmdb_readonly', 'read_labels', 'read_num_samples', 'write_lmdb',
    'DEFAULT_BUCKETS',
    'BucketSamplerDataset', 'WnAAspectRatioBucketBatchSampler', 'buckets_of', 'in_ratio_range',
    'WnABGRToRGB', 'PackWnAInputs', 'WnARouterThumbnail', 'WnAAugment'
]
