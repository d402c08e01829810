"""Official notices: extraction of supply measures, connectors, the review queue."""
