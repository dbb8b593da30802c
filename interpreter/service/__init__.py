"""Service: decisions for other programs -> the fact schema, decision records and the HTTP server.

This package sits above `interpreter.api` and uses it; the CLI calls only the names below.
"""
from interpreter.service.records import Recorder, evaluate_recorded, replay, replay_json  # noqa: F401
from interpreter.service.schema import fact_path, fact_schema  # noqa: F401
