"""wna datasets (components registered into MMOCR's registries)."""
from .lmdb_dataset import WnALMDBDataset, decode_image, image_header_size
from .lmdb_io import (
                      LMDBRecord,
                      detect_index_base,
                      open_lmdb_readonly,
                      read_labels,
                      read_num_samples,
                      write_lmdb,
)
from .samplers import DEFAULT_BUCKETS, AspectRatioBucketBatchSampler
from .transforms import BGRToRGB, PackWnAInputs, RouterThumbnail, WnAAugment

__all__ = [
    'WnALMDBDataset', 'decode_image', 'image_header_size', 'LMDBRecord', 'detect_index_base',
    'open_lmdb_readonly', 'read_labels', 'read_num_samples', 'write_lmdb', 'DEFAULT_BUCKETS',
    'AspectRatioBucketBatchSampler', 'BGRToRGB', 'PackWnAInputs', 'RouterThumbnail', 'WnAAugment'
]
