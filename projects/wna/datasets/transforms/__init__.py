"""wna data transforms (registered in MMOCR TRANSFORMS)."""
