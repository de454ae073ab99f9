"""wna inference APIs: MMOCR's inferencer for wna models, input discovery and decoding,
dictionaries of registered characters, the config's model and test pipeline, batch
recognition (used by ``tools/infer.py``), attention-map figures, the reading session
under the web demo (``tools/webui.py``) and where the configs are.

:class:`WnATextRecInferencer` is MMOCR's ``TextRecInferencer`` with wna's additions:
the dictionary (or registered characters) as arguments, per-character scores and routing
in the results, checkpoints read with wna's trusted loader. The other helpers add what
MMOCR lacks: LMDB inputs, per-input error reporting, and dictionaries extended with
characters rendered from a font.
"""
from .arguments import FAST_INFERENCE, add_font_args, add_reading_args, reading_options
from .attention_examples import draw_attention_examples, pick_examples
from .batch_inference import PredictionWriter, panel_name, recognise_all
from .configs import config_dir, config_path
from .dictionary import (
    RegisteredDictionary,
    choose_dictionary,
    extend_charset,
    register_chars,
)
from .inference import build_inference_pipeline, recognize
from .inferencer import WnATextRecInferencer
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
from .reading_session import Reading, ReadingSession

__all__ = [
    'FAST_INFERENCE', 'add_font_args', 'add_reading_args', 'reading_options', 'PredictionWriter',
    'choose_dictionary', 'panel_name', 'recognise_all',
    'RegisteredDictionary', 'extend_charset', 'register_chars', 'build_inference_pipeline',
    'config_test_pipeline', 'load_recognizer', 'recognize', 'WnATextRecInferencer',
    'config_dir', 'config_path', 'LoadedImage', 'count_images', 'expand_inputs', 'is_lmdb',
    'iter_images', 'iter_lmdb_images', 'load_image_file', 'draw_attention_examples',
    'pick_examples', 'Reading', 'ReadingSession'
]
