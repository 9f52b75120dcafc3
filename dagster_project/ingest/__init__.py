"""Raw files → DuckDB schema `raw`: one module per raw format, one loader for them all."""
