"""REST API (FastAPI) over the workspace: ``supplywatch serve``."""
