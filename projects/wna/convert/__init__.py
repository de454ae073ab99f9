"""Converting published upstream WnA weights (``lancercat/wna``) into wna checkpoints."""
from .upstream import (
    IGNORED_TENSORS,
    RENAME_RULES,
    ConversionReport,
    Slot,
    UpstreamConversionError,
    build_model,
    convert_state_dict,
    convert_upstream,
    load_upstream_modules,
    module_table,
    parameter_free_modules,
    upstream_layout,
)

__all__ = [
    'IGNORED_TENSORS', 'RENAME_RULES', 'ConversionReport', 'Slot', 'UpstreamConversionError',
    'build_model', 'convert_state_dict', 'convert_upstream', 'load_upstream_modules',
    'module_table', 'parameter_free_modules', 'upstream_layout'
]
