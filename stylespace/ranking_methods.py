"""The ways `identify` can rank candidates; apart from `stylometry` so the CLI lists them without
importing torch. What each does and how well: `stylometry.identify` and the README."""

METHODS = ("fused", "fingerprint", "similarity", "likelihood", "gradient")
DEFAULT_METHOD = "fused"
