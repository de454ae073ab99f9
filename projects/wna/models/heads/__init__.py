"""The open-set head: glyph prototypes (encoder, per-batch sampler, whole-dictionary
bank), label spaces and the prototype classifier with its greedy decoding."""
from .classifier import WnAOpenSetClassifier, greedy_decode, max_merge, packed_greedy_labels
from .glyph_encoder import WnAGlyphEncoder, glyphs_to_tensor
from .label_space import LabelSpace
from .prototype_bank import CharsetSource, PrototypeSet, WnAPrototypeBank
from .prototype_sampler import WnAPrototypeSampler

__all__ = ['WnAOpenSetClassifier', 'greedy_decode', 'max_merge', 'packed_greedy_labels',
           'WnAGlyphEncoder',
           'glyphs_to_tensor', 'LabelSpace', 'CharsetSource', 'PrototypeSet',
           'WnAPrototypeBank', 'WnAPrototypeSampler']
