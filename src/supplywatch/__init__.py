"""supplywatch: a Korea–Japan joint early-warning system for critical materials."""

__version__ = "0.1.0"
