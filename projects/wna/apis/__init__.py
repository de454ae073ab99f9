"""wna inference APIs: input discovery and decoding, dictionaries of registered characters,
and batch recognition with a config's test pipeline (used by ``tools/infer.py``).

MMOCR's own ``TextRecInferencer`` works with wna configs as they are; these helpers add
what it lacks: LMDB inputs, per-input error reporting, per-character scores and routing
in the results, and dictionaries extended with characters rendered from a font.
"""
from projects.wna.engine.runner_setup import config_test_pipeline, load_recognizer

from .dictionary import RegisteredDictionary, extend_charset, register_chars, requested_chars
from .inference import build_inference_pipeline, prediction_record, recognize
from .inputs import (
    LoadedImage,
    count_images,
    expand_inputs,
    is_lmdb,
    iter_images,
    iter_lmdb_images,
    load_image_file,
)

__all__ = [
    'RegisteredDictionary', 'extend_charset', 'register_chars', 'requested_chars',
    'build_inference_pipeline', 'config_test_pipeline', 'load_recognizer',
    'prediction_record', 'recognize', 'LoadedImage', 'count_images', 'expand_inputs', 'is_lmdb',
    'iter_images', 'iter_lmdb_images', 'load_image_file'
]
