"""Storage: SQLAlchemy 2 Core tables, the unit of work, repositories and report queries.

The only package that knows SQL. Runs the same schema (Alembic migrations) on SQLite and PostgreSQL.
"""
