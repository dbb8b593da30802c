"""Service: decisions for other programs -> the fact schema, decision records and the HTTP server.

This package sits above `interpreter.api` and uses it; the CLI calls only the names below.
"""
from interpreter.service.records import Recorder, evaluate_recorded, replay, replay_json  # noqa: F401
from interpreter.service.schema import fact_path, fact_schema  # noqa: F401


def serve(paths, host: str, port: int, announce=print, **settings) -> None:
    """`rules serve`: load the rule sets and serve them until interrupted (see server.py).

    The ASGI stack is imported here, when a server starts, not when the CLI starts."""
    from interpreter.service.server import Settings, serve as run

    run(paths, host, port, Settings(**settings), announce=announce)
