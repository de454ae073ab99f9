"""wna evaluation (components registered into MMOCR's registries)."""
