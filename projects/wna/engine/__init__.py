"""wna engine (components registered into MMOCR's registries)."""
