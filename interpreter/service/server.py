"""Server: HTTP requests -> decisions, on Starlette (ASGI) served by uvicorn.

    GET  /v1/rulesets                    the loaded rule sets (act, title, content hash, decisions)
    GET  /v1/rulesets/{act}/schema       the JSON Schema of the act's fact files
    POST /v1/rulesets/{act}/evaluate     a fact document -> exactly what `rules eval --format json` prints
    POST /v1/rulesets/{act}/decide       {facts, target, explain, as_of} -> decision, record, explanation
    POST /v1/admin/reload                reload every rule set (only with --admin; SIGHUP does the same)
    GET  /openapi.json, GET /healthz

Guarantees: every answer is JSON; errors are diagnostics documents (the CLI's `--format
json` shape), never a traceback: bad facts 422 with the loader's codes and fact paths, an
unknown act or path 404, a body over the limit 413, an evaluation over the time limit 503
(and the evaluation is stopped, see runner.py). Facts are inline only: nothing in a request
names a file. Rule sets are loaded once into an immutable catalog; a reload builds a whole
new catalog and swaps it in one assignment, so a request uses the old or the new rule sets,
never a mix, and each record's `ruleset_hash` says which. The decision log never blocks a
response (decision_log.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import sys
import threading
import traceback

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from interpreter import api
from interpreter.api import UserError, report
from interpreter.evaluation.fact_positions import locate
from interpreter.evaluation.facts import parse_fact_text
from interpreter.language.diagnostics import Diagnostic, error
from interpreter.language.fingerprint import content_hash
from interpreter.language.source import Span
from interpreter.service.canonical import Native, Raw, canonical_text
from interpreter.service.decision_log import DecisionLog
from interpreter.service.openapi import openapi_document
from interpreter.service.records import FactInput, Recorder
from interpreter.service.runner import Runner, TimedOut
from interpreter.service.schema import fact_schema

JSON = "application/json; charset=utf-8"
REQUEST_LABEL = "request.json"
DECIDE_KEYS = ("facts", "target", "explain", "as_of")
ENVELOPE = ("output_version", "act", "as_of", "date_convention")  # explain_json's keys around the decision object


@attrs.frozen
class Settings:
    max_body: int = 1024 * 1024  # bytes
    timeout: float = 2.0  # seconds per evaluation
    workers: int = 4
    admin: bool = False
    log_path: str | None = None


@attrs.frozen
class Served:
    """One loaded rule set and what is computed once for it."""
    key: str  # the act, lower case: the {act} of the URLs
    loaded: object
    recorder: Recorder
    schema_text: str
    summary: dict


@attrs.frozen
class Catalog:
    rulesets: dict  # key -> Served
    generation: int


def load_catalog(paths, generation: int) -> Catalog:
    """Load every rule set; UserError (with every rule set's errors) if any does not load."""
    served, problems = {}, []
    for path in paths:
        loaded = api.load(path)
        if not loaded.ok:
            problems.extend(d for d in loaded.diagnostics if d.is_error)
            continue
        ruleset = loaded.ruleset
        key = ruleset.act.lower()
        if key in served:
            problems.append(error("E805", f"two rule sets encode {ruleset.act} ({served[key].loaded.root} and {path})"))
            continue
        ruleset_hash = content_hash(loaded)
        summary = {
            "act": ruleset.act, "key": key, "title": ruleset.title, "ruleset_hash": ruleset_hash,
            "decisions": [{"decision": v.id, "name": v.name, "kind": v.kind, "type": str(v.type),
                           "collection": ruleset.entities[v.owner].collection if v.owner else None,
                           "description": v.description, "citation": str(v.citation)} for v in ruleset.decisions()],
            "links": {"schema": f"/v1/rulesets/{key}/schema", "evaluate": f"/v1/rulesets/{key}/evaluate",
                      "decide": f"/v1/rulesets/{key}/decide"},
        }
        served[key] = Served(key, loaded, Recorder(loaded, ruleset_hash), report.dumps(fact_schema(ruleset)), summary)
    if problems:
        raise UserError(problems)
    return Catalog(served, generation)


class Service:
    """The server's state: the current catalog, the workers and the decision log."""

    def __init__(self, paths, settings: Settings):
        self.paths = list(paths)
        self.settings = settings
        self.catalog = load_catalog(self.paths, 1)
        self.runner = Runner(settings.workers)
        self.log = DecisionLog(settings.log_path) if settings.log_path else None
        self.reload_lock = threading.Lock()
        self.last_reload_error: list[str] | None = None
        self.openapi_text = self._openapi(self.catalog)

    def _openapi(self, catalog: Catalog) -> str:
        return report.dumps(openapi_document({k: s.summary for k, s in catalog.rulesets.items()},
                                             {k: fact_schema(s.loaded.ruleset) for k, s in catalog.rulesets.items()},
                                             self.settings.admin))

    def reload(self) -> Catalog:
        """Load every rule set again and swap them in together; on error keep the old ones."""
        with self.reload_lock:
            try:
                catalog = load_catalog(self.paths, self.catalog.generation + 1)
            except UserError as exc:
                self.last_reload_error = [f"{d.location}: {d.code} {d.message}" for d in exc.diagnostics]
                raise
            self.openapi_text = self._openapi(catalog)
            self.last_reload_error = None
            self.catalog = catalog  # one assignment: each request sees the old or the new catalog
            return catalog

    def health(self) -> dict:
        log = self.log.status() if self.log else None
        degraded = (self.log is not None and not self.log.healthy) or self.last_reload_error is not None
        return {
            "status": "degraded" if degraded else "ok",
            "generation": self.catalog.generation,
            "rulesets": {k: s.summary["ruleset_hash"] for k, s in sorted(self.catalog.rulesets.items())},
            "busy": self.runner.busy,
            "timeouts": self.runner.timeouts,
            "decision_log": log,
            "reload_error": self.last_reload_error,
        }

    def close(self) -> None:
        self.runner.close()
        if self.log:
            self.log.close()


# ---------------------------------------------------------------- responses

def _json(text: str, status: int = 200) -> Response:
    return Response(text.encode("utf-8"), status_code=status, media_type=JSON)


def _diagnostics(status: int, diagnostics) -> Response:
    return _json(report.dumps(report.diagnostics_json(diagnostics)), status)


def _problem(status: int, code: str, message: str, suggestions=()) -> Response:
    return _diagnostics(status, [error(code, message, suggestions=tuple(suggestions))])


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> tuple[str, object, list[Diagnostic]]:
    """Request bytes -> (text, data), with the fact loader's own nesting limit and exact decimals."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "", None, [error("E401", f"the request body is not UTF-8 text ({exc.reason})")]
    if not text.strip():
        return text, None, [error("E800", "the request body is empty; send a JSON document",
                                  suggestions=("POST the fact file's content as JSON",))]
    return (text, *parse_fact_text(REQUEST_LABEL, text))


def _located(text: str, diagnostics, prefix: str = "") -> list[Diagnostic]:
    """Bad-fact diagnostics placed at their line and column in the request body, as the CLI
    places them in a fact file (`prefix`: where the facts sit in the body, `facts.` for /decide)."""
    shifted = [attrs.evolve(d, fact_path=prefix + d.fact_path) if prefix and d.fact_path else d for d in diagnostics]
    placed = []
    for original, found in zip(diagnostics, locate(REQUEST_LABEL, text, shifted)):
        span = found.span if found.span is not None and found.span.line else Span.point(REQUEST_LABEL)
        placed.append(attrs.evolve(found, fact_path=original.fact_path, span=span if original.span else None))
    return placed


def _date(raw, where: str) -> tuple[dt.date | None, list[Diagnostic]]:
    if raw is None or raw == "":
        return None, []
    try:
        return dt.date.fromisoformat(str(raw).strip()), []
    except ValueError:
        return None, [error("E801", f"`as_of` must be a date written YYYY-MM-DD, not {raw!r}", fact_path=where)]


# ---------------------------------------------------------------- handlers

def build_app(service: Service) -> Starlette:
    settings = service.settings

    def served_or_404(request: Request) -> Served | Response:
        catalog = service.catalog
        key = request.path_params["act"].lower()
        found = catalog.rulesets.get(key)
        if found is None:
            return _problem(404, "E802", f"no rule set for the act `{request.path_params['act']}` here",
                            [f"the acts served are: {', '.join(sorted(catalog.rulesets)) or 'none'}"])
        return found

    async def run(work) -> Response:
        """`work()` -> (status, answer text, records to log) on a worker, under the time limit.
        The records are handed to the log here, outside the interruptible work."""
        try:
            status, text, records = await service.runner.run(work, settings.timeout)
        except TimedOut:
            return _problem(503, "E804", f"the evaluation took longer than the limit of {settings.timeout:g} s "
                                         "and was stopped", ["send fewer records per request, or start the server "
                                                             "with a larger --timeout"])
        if records and service.log is not None:
            service.log.submit(records)
        return _json(text, status)

    async def rulesets(request: Request) -> Response:
        catalog = service.catalog
        return _json(report.dumps({"output_version": report.OUTPUT_VERSION, "generation": catalog.generation,
                                   "rulesets": [s.summary for _, s in sorted(catalog.rulesets.items())]}))

    async def schema(request: Request) -> Response:
        served = served_or_404(request)
        return served if isinstance(served, Response) else _json(served.schema_text)

    async def evaluate(request: Request) -> Response:
        served = served_or_404(request)
        if isinstance(served, Response):
            return served
        as_of, problems = _date(request.query_params.get("as_of"), "as_of")
        with_explanations = request.query_params.get("explain", "").lower() in ("1", "true", "yes")
        text, data, parse_problems = _parse(await _read_body(request, settings.max_body))
        if problems or parse_problems:
            return _diagnostics(422, problems + parse_problems)
        logging = service.log is not None

        def work():
            try:
                result = api.evaluate_data(served.loaded, data, as_of, label=REQUEST_LABEL)
            except UserError as exc:
                return 422, report.dumps(report.diagnostics_json(_located(text, exc.diagnostics))), None
            explanations = api.explain_all(result) if with_explanations else None
            answer = report.dumps(report.result_json(result, explanations))
            return 200, answer, served.recorder.records(result, FactInput.of(data)) if logging else None

        return await run(work)

    async def decide(request: Request) -> Response:
        served = served_or_404(request)
        if isinstance(served, Response):
            return served
        text, data, problems = _parse(await _read_body(request, settings.max_body))
        if problems:
            return _diagnostics(422, problems)
        request_problems = _decide_shape(data)
        if request_problems:
            return _diagnostics(422, request_problems)
        as_of, problems = _date(data.get("as_of"), "as_of")
        if problems:
            return _diagnostics(422, problems)
        facts, target, explain = data.get("facts") or {}, data["target"], bool(data.get("explain", False))
        def work():
            try:
                decision, explanation = api.decide(served.loaded, facts, target, as_of, with_explanation=explain)
            except UserError as exc:
                return 422, report.dumps(report.diagnostics_json(_located(text, exc.diagnostics, "facts."))), None
            ruleset = served.loaded.ruleset
            # One decision document serves all three parts: the explanation is it with the tree.
            explained = report.explain_json(ruleset, decision, explanation)
            shown = {k: v for k, v in explained.items() if k not in ("explanation", "why_not")}
            record = served.recorder.record(decision, FactInput.of(facts),
                                            {k: v for k, v in shown.items() if k not in ENVELOPE})
            document = {"decision": Native(shown), "record": Raw(record)}
            if explanation is not None:
                document["explanation"] = Native(explained)
            return 200, canonical_text(document) + "\n", [record]

        return await run(work)

    async def reload(request: Request) -> Response:
        if not settings.admin:
            return _problem(404, "E803", "the admin endpoints are off", ["start the server with --admin"])
        try:
            catalog = await asyncio.get_running_loop().run_in_executor(None, service.reload)
        except UserError as exc:
            return _diagnostics(422, exc.diagnostics)
        return _json(report.dumps({"output_version": report.OUTPUT_VERSION, "generation": catalog.generation,
                                   "rulesets": [s.summary for _, s in sorted(catalog.rulesets.items())]}))

    async def openapi(request: Request) -> Response:
        return _json(service.openapi_text)

    async def healthz(request: Request) -> Response:
        return _json(report.dumps(service.health()))

    async def too_large(request: Request, exc: Exception) -> Response:
        return _problem(413, "E806", f"the request body is larger than the limit of {settings.max_body} bytes",
                        ["send fewer records per request, or start the server with a larger --max-body"])

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _problem(404, "E807", f"no such endpoint: {request.url.path}", ["GET /openapi.json lists them"])
        if exc.status_code == 405:
            return _problem(405, "E808", f"{request.method} is not allowed on {request.url.path}")
        return _problem(exc.status_code, "E809", str(exc.detail))

    async def internal(request: Request, exc: Exception) -> Response:
        # The operator's log gets the traceback; the client never does.
        print(f"internal error on {request.method} {request.url.path}:", file=sys.stderr)
        traceback.print_exception(exc, file=sys.stderr)
        return _problem(500, "E899", "internal error: this is a bug in `rules`, not in the request")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        loop = asyncio.get_running_loop()

        def on_hangup():
            loop.run_in_executor(None, _reload_quietly, service)

        try:
            loop.add_signal_handler(signal.SIGHUP, on_hangup)
        except (NotImplementedError, AttributeError, ValueError, RuntimeError):
            pass  # no SIGHUP here (Windows, or not the main thread): /v1/admin/reload still works
        try:
            yield
        finally:
            service.close()

    routes = [
        Route("/v1/rulesets", rulesets, methods=["GET"]),
        Route("/v1/rulesets/{act}/schema", schema, methods=["GET"]),
        Route("/v1/rulesets/{act}/evaluate", evaluate, methods=["POST"]),
        Route("/v1/rulesets/{act}/decide", decide, methods=["POST"]),
        Route("/v1/admin/reload", reload, methods=["POST"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={_TooLarge: too_large, HTTPException: http_error, Exception: internal})


def _decide_shape(data) -> list[Diagnostic]:
    if not isinstance(data, dict):
        return [error("E800", "the body of /decide is a JSON object: {\"facts\": {...}, \"target\": \"...\", \"explain\": true}")]
    problems = []
    for key in data:
        if key not in DECIDE_KEYS:
            problems.append(error("E800", f"`{key}` is not a field of a decide request", fact_path=str(key),
                                  suggestions=(f"the fields are: {', '.join(DECIDE_KEYS)}",)))
    if not isinstance(data.get("target"), str):
        problems.append(error("E800", "`target` is required: `name` or `collection[KEY].name`", fact_path="target"))
    if data.get("facts") is not None and not isinstance(data["facts"], dict):
        problems.append(error("E410", "`facts` holds a mapping of fact names to values", fact_path="facts"))
    if not isinstance(data.get("explain", False), bool):
        problems.append(error("E800", "`explain` is true or false", fact_path="explain"))
    return problems


def _reload_quietly(service: Service) -> None:
    try:
        catalog = service.reload()
        print(f"rules serve: reloaded (generation {catalog.generation})", file=sys.stderr)
    except UserError as exc:
        print("rules serve: reload failed; still serving the rule sets loaded before:", file=sys.stderr)
        for line in service.last_reload_error or [str(exc)]:
            print(f"  {line}", file=sys.stderr)


def serve(paths, host: str, port: int, settings: Settings, announce=print) -> None:
    """Load the rule sets, bind host:port (0 picks a free port) and serve until interrupted."""
    import socket

    import uvicorn

    service = Service(paths, settings)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says TCP, and without it every keep-alive answer waits ~40 ms (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # from here connections wait in the backlog until uvicorn accepts them
    except OSError as exc:
        sock.close()
        service.close()
        raise UserError([error("E812", f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                               suggestions=("choose another --port, or --port 0 for any free one",))]) from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    acts = ", ".join(s.loaded.ruleset.act for _, s in sorted(service.catalog.rulesets.items()))
    announce(f"rules serve: listening on http://{shown}:{bound} ({acts})")
    config = uvicorn.Config(build_app(service), log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again for the
    # handler it found: this one, so that a stop is a normal end (exit 0), not a kill or "Aborted!".
    previous = {number: signal.signal(number, _stopped) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except _Stop:
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Stop(Exception):
    pass


def _stopped(signum, frame):
    raise _Stop()
