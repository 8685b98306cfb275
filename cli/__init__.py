"""The `ccm` command. Heavy imports (temporalio, SQLAlchemy) happen inside commands."""
