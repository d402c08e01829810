"""raw -> core transforms: read, validate, load (transactional, idempotent)."""
