"""wna datasets (components registered into MMOCR's registries)."""
