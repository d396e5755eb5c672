"""Typed routes whose pydantic models both validate requests and write the OpenAPI document.

::

    router = Router("agenda", title="Agenda", version="1")

    @router.post("/solicitations", summary="Solliciter un ambassadeur", status=201,
                 auth=Roles("staff", "referent"), errors=[AMBASSADOR_NOT_FOUND])
    async def create_solicitation(call: Call[NewSolicitation, None]) -> Created:
        ...

    # Routes that share an auth rule and errors say them once:
    referents = router.group(auth=Roles("referent", "admin"), errors=[SESSION_ENDED])
    referents.get("/work-queue", summary="File de travail")(work_queue)

    router.install(app, prefix="/api/agenda")  # routes + GET /openapi.json

The body, query and response models are read from the handler's annotations
(``Call[Body, Query]`` and its return type) unless ``body=``, ``query=`` or
``response=`` says otherwise: each type is written once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import (
    Any,
    Generic,
    Required,
    TypedDict,
    TypeVar,
    Unpack,
    get_args,
    get_origin,
    get_type_hints,
)

import pydantic_core
from aiohttp import web
from pydantic import BaseModel

from shared.http.auth import AuthRule, Principal, authenticate
from shared.http.errors import UNAUTHORIZED, ErrorKind
from shared.http.openapi import build_openapi
from shared.http.validation import read_json, read_query

BodyT = TypeVar("BodyT")
QueryT = TypeVar("QueryT")

HandlerResult = BaseModel | list[Any] | tuple[Any, ...] | dict[str, Any] | web.StreamResponse | None
CallHandler = Callable[["Call[Any, Any]"], Awaitable[HandlerResult]]
HandlerT = TypeVar("HandlerT", bound=CallHandler)

OPENAPI_PATH = "/openapi.json"


@dataclass(slots=True)
class Call(Generic[BodyT, QueryT]):
    """What a handler receives: the validated body and query, and who is calling."""

    request: web.Request
    body: BodyT
    query: QueryT
    principal: Principal | None
    # Headers added to the answer built from the returned model (Location, Cache-Control…).
    response_headers: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> str:
        """The value of the path parameter ``{name}``."""
        return self.request.match_info[name]

    @property
    def user(self) -> Principal:
        """The principal of an authenticated route (401 if the route has no auth rule)."""
        if self.principal is None:
            raise UNAUTHORIZED.error()
        return self.principal


@dataclass(frozen=True, slots=True)
class Operation:
    """One route and everything the OpenAPI document says about it."""

    method: str
    path: str
    handler: CallHandler
    summary: str
    operation_id: str
    description: str | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None  # a model, or a type such as list[Model]
    status: int = 200
    auth: AuthRule | None = None
    errors: tuple[ErrorKind, ...] = ()
    max_body_bytes: int | None = None


def _model(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _declared(handler: CallHandler) -> dict[str, Any]:
    """The body, query and response models the handler's annotations name.

    A response is a model or a list of models (a ``web.Response`` or ``None`` is not).
    Annotations that cannot be resolved where the handler is defined declare nothing:
    the route then says its models itself.
    """
    try:
        hints = get_type_hints(handler)
    except NameError:
        return {}
    declared: dict[str, Any] = {}
    parameters = [name for name in hints if name != "return"]
    call = hints[parameters[0]] if parameters else None
    if get_origin(call) is Call:
        body, query = get_args(call)
        declared["body"], declared["query"] = _model(body), _model(query)
    returned = hints.get("return")
    if _model(returned) is not None or (
        get_origin(returned) is list and _model(get_args(returned)[0]) is not None
    ):
        declared["response"] = returned
    return declared


class RouteOptions(TypedDict, total=False):
    """Keyword arguments of ``Router.get/post/put/patch/delete``."""

    summary: Required[str]
    description: str | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    auth: AuthRule | None
    errors: Sequence[ErrorKind]
    max_body_bytes: int | None
    operation_id: str | None


def render(result: HandlerResult, status: int, headers: dict[str, str]) -> web.StreamResponse:
    """The answer for what a handler returned (model → JSON, None → 204)."""
    if isinstance(result, web.StreamResponse):
        return result
    if result is None:
        return web.Response(status=204, headers=headers)
    if isinstance(result, BaseModel):
        body = result.model_dump_json().encode()
    elif isinstance(result, list | tuple | dict):
        body = pydantic_core.to_json(result)
    else:
        raise TypeError(f"a handler returned {type(result).__name__}")
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


def _endpoint(operation: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        limit = operation.max_body_bytes
        if limit is not None and request.client_max_size != limit:
            request = request.clone(client_max_size=limit)
        # Who before what: an anonymous caller learns nothing from validation errors.
        principal = authenticate(request, operation.auth) if operation.auth else None
        query = read_query(request, operation.query) if operation.query else None
        body = await read_json(request, operation.body) if operation.body else None
        call: Call[Any, Any] = Call(request=request, body=body, query=query, principal=principal)
        result = await operation.handler(call)
        return render(result, operation.status, call.response_headers)

    endpoint.__name__ = operation.operation_id
    endpoint.__doc__ = operation.handler.__doc__
    return endpoint


class _Verbs(ABC):
    """``get``/``post``/``put``/``patch``/``delete`` as shorthands of ``route``."""

    @abstractmethod
    def route(
        self, method: str, path: str, **options: Unpack[RouteOptions]
    ) -> Callable[[HandlerT], HandlerT]:
        """Register the decorated handler for ``method path``."""

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[HandlerT], HandlerT]:
        """Register a GET route (HEAD is answered too)."""
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[HandlerT], HandlerT]:
        """Register a POST route."""
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[HandlerT], HandlerT]:
        """Register a PUT route."""
        return self.route("PUT", path, **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[HandlerT], HandlerT]:
        """Register a PATCH route."""
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[HandlerT], HandlerT]:
        """Register a DELETE route."""
        return self.route("DELETE", path, **options)


class RouteGroup(_Verbs):
    """Routes of one router that share an auth rule and some errors.

    A route of the group keeps its own ``auth`` when it gives one; the group's errors
    are listed after the route's own. Everything else is the route's.
    """

    def __init__(
        self, router: Router, *, auth: AuthRule | None, errors: Sequence[ErrorKind]
    ) -> None:
        self.router = router
        self.auth = auth
        self.errors = tuple(errors)

    def route(
        self, method: str, path: str, **options: Unpack[RouteOptions]
    ) -> Callable[[HandlerT], HandlerT]:
        """Register the decorated handler for ``method path`` with the group's defaults."""
        merged: RouteOptions = {**options, "errors": [*options.get("errors", ()), *self.errors]}
        if "auth" not in options:
            merged["auth"] = self.auth
        return self.router.route(method, path, **merged)


class Router(_Verbs):
    """A service's routes, installed on its aiohttp application with their OpenAPI document."""

    def __init__(
        self, service: str, title: str, version: str, *, description: str | None = None
    ) -> None:
        self.service = service
        self.title = title
        self.version = version
        self.description = description
        self._operations: list[Operation] = []
        self._documents: dict[str, dict[str, Any]] = {}

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Every route registered so far, in order."""
        return tuple(self._operations)

    def group(
        self, *, auth: AuthRule | None = None, errors: Sequence[ErrorKind] = ()
    ) -> RouteGroup:
        """Routes to register with ``auth`` and ``errors`` as their defaults."""
        return RouteGroup(self, auth=auth, errors=errors)

    def route(
        self, method: str, path: str, **options: Unpack[RouteOptions]
    ) -> Callable[[HandlerT], HandlerT]:
        """Register the decorated handler for ``method path``."""

        def register(handler: HandlerT) -> HandlerT:
            declared = _declared(handler)

            def option(name: str) -> Any:
                return options[name] if name in options else declared.get(name)  # type: ignore[literal-required]

            response = option("response")
            operation = Operation(
                method=method.upper(),
                path=path,
                handler=handler,
                summary=options["summary"],
                operation_id=options.get("operation_id") or handler.__name__,
                description=options.get("description"),
                body=option("body"),
                query=option("query"),
                response=response,
                # Without a response model the handler answers 204 No Content.
                status=options.get("status", 200 if response else 204),
                auth=options.get("auth"),
                errors=tuple(options.get("errors", ())),
                max_body_bytes=options.get("max_body_bytes"),
            )
            self._check_new(operation)
            self._operations.append(operation)
            self._documents.clear()
            return handler

        return register

    def _check_new(self, operation: Operation) -> None:
        for existing in self._operations:
            if existing.operation_id == operation.operation_id:
                raise ValueError(f"two routes named {operation.operation_id!r}")
            if (existing.method, existing.path) == (operation.method, operation.path):
                raise ValueError(f"{operation.method} {operation.path} registered twice")
        if operation.method == "GET" and operation.body is not None:
            raise ValueError(f"GET {operation.path} cannot have a body")

    def openapi(self, prefix: str = "") -> dict[str, Any]:
        """The OpenAPI 3.1 document of the routes, served under ``prefix``."""
        document = self._documents.get(prefix)
        if document is None:
            document = self._documents[prefix] = build_openapi(self, prefix)
        return document

    def install(self, app: web.Application, *, prefix: str = "") -> None:
        """Add the routes and ``GET /openapi.json`` to ``app``.

        ``prefix`` is where the app is reachable (``/api/accounts`` when mounted as a
        sub-application or behind the gateway): it becomes the document's server URL.
        Install before mounting: aiohttp prefixes a sub-app's routes when it is added.
        """
        for operation in self._operations:
            endpoint = _endpoint(operation)
            if operation.method == "GET":
                app.router.add_get(operation.path, endpoint, name=operation.operation_id)
            else:
                app.router.add_route(
                    operation.method, operation.path, endpoint, name=operation.operation_id
                )

        async def openapi_document(request: web.Request) -> web.Response:
            return web.json_response(self.openapi(prefix))

        app.router.add_get(OPENAPI_PATH, openapi_document, name="openapi")
