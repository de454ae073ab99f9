"""wna inference APIs: input discovery and decoding, dictionaries of registered characters,
the config's model and test pipeline, and batch recognition (used by ``tools/infer.py``).

MMOCR's own ``TextRecInferencer`` works with wna configs as they are; these helpers add
what it lacks: LMDB inputs, per-input error reporting, per-character scores and routing
in the results, and dictionaries extended with characters rendered from a font.
"""
from .arguments import FAST_INFERENCE, add_font_args, add_reading_args, reading_options
from .batch_inference import PredictionWriter, choose_dictionary, panel_name, recognise_all
from .dictionary import RegisteredDictionary, extend_charset, register_chars
from .inference import build_inference_pipeline, recognize
from .inputs import (
    LoadedImage,
    count_images,
    expand_inputs,
    is_lmdb,
    iter_images,
    iter_lmdb_images,
    load_image_file,
)
from .model_loading import config_test_pipeline, load_recognizer

__all__ = [
    'FAST_INFERENCE', 'add_font_args', 'add_reading_args', 'reading_options', 'PredictionWriter',
    'choose_dictionary', 'panel_name', 'recognise_all', 'RegisteredDictionary', 'extend_charset',
    'register_chars', 'build_inference_pipeline', 'config_test_pipeline', 'load_recognizer',
    'recognize', 'LoadedImage', 'count_images', 'expand_inputs', 'is_lmdb', 'iter_images',
    'iter_lmdb_images', 'load_image_file'
]
