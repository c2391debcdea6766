"""stylespace: learn how individual people play, one style vector per player."""

__version__ = "0.1.0"
