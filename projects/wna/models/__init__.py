"""wna models (components registered into MMOCR's registries)."""
