"""Pure rules and pydantic models of ccm: no I/O, no Temporal, no SQL."""
