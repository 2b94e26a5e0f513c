"""Response models of the HTTP API (pydantic), mapped from the typed answers of ``scoring``."""
