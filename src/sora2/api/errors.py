"""Every error becomes `{"error": "..."}` with its status, here and nowhere else."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sora2.errors import AuthenticationFailed, RateLimited, ServiceUnavailable, Sora2Error

log = logging.getLogger(__name__)


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _platform_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Sora2Error)
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(math.ceil(exc.retry_after or 1))
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if exc.status_code >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    return error_response(exc.status_code, exc.message, headers)


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location)
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "missing":
        return f"{field} is required" if field else "a request body is required"
    if error.get("type") == "json_invalid":
        return "request body is not valid JSON"
    if field and (plain := _bounds(str(error.get("type")), error.get("ctx") or {})):
        return f"{field} {plain}"
    return f"{field}: {message}" if field else message


def _bounds(kind: str, ctx: dict[str, Any]) -> str | None:
    """The schema's limits (enums, ranges, lengths) said as the services say them."""
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of: {', '.join(value for value in expected.split(', ') if value)}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} characters long"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern')}"
    return None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    messages = [_describe(dict(error)) for error in exc.errors()]
    return error_response(400, "; ".join(messages) or "invalid request")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = "not found"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette's Allow names the methods of one route; a path has a route per method.
        headers["Allow"] = _allowed(request, headers.get("Allow", ""))
    return error_response(exc.status_code, message, headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The details go to the log, never to the client.
    log.exception("%s %s crashed", request.method, request.url.path)
    return error_response(500, "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Sora2Error, _platform_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def _allowed(request: Request, named: str) -> str:
    """What the route named, plus every method the API's schema documents for this path."""
    methods = {method.strip() for method in named.split(",") if method.strip()}
    for template, item in request.app.openapi().get("paths", {}).items():
        literal = (re.escape(part) for part in re.split(r"\{[^/}]+\}", template))
        if re.fullmatch("[^/]+".join(literal), request.url.path):
            methods |= {method.upper() for method in item if method in _HTTP_METHODS}
    return ", ".join(sorted(methods))
