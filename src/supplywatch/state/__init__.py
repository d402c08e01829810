"""State of the shared service (users, alerts, stocks, webhooks): SQLAlchemy 2 models, Alembic
migrations. SQLite by default (single user), PostgreSQL 15 for the shared deployment."""
