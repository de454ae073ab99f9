"""wna visualization (components registered into MMOCR's registries)."""
