"""One module per upstream source: what its files look like and how they become core tables."""
