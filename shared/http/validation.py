"""Request bodies and query strings validated by pydantic, with French error messages.

An invalid request gets 400 ``invalid_request`` whose message names the first
offending field (« Le champ « email » n'est pas une adresse e-mail valide. ») and whose
``details`` list every problem as ``{"field": "job.title", "message": "…"}``.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, TypeVar, get_args, get_origin

from aiohttp import web
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    FutureDate,
    FutureDatetime,
    NaiveDatetime,
    PastDate,
    PastDatetime,
    ValidationError,
)
from pydantic_core import ErrorDetails
from pydantic_core.core_schema import ErrorType

from shared.date_bounds import OUT_OF_RANGE, dates_out_of_range
from shared.french import sentence
from shared.http.errors import (
    INVALID_REQUEST,
    MALFORMED_JSON,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    ApiError,
)

ModelT = TypeVar("ModelT", bound=BaseModel)

# What aiohttp raises reading a body that is not what its type says: ``ValueError`` for a
# multipart body without a boundary or cut short and for bytes that are not UTF-8,
# ``LookupError`` for an unknown charset. The sender's mistake: a 400, never a 500.
MALFORMED_BODY_ERRORS: tuple[type[Exception], ...] = (ValueError, LookupError)
Where = Literal["body", "query"]

_PYDANTIC_ERROR_TYPES = frozenset(get_args(ErrorType))


class StrictBody(BaseModel):
    """A request body whose unknown fields are refused (400 naming each one): a typo in
    a field's name must not pass for a field left out."""

    model_config = ConfigDict(extra="forbid")


_SEQUENCES = (list, set, frozenset, tuple)


def _count(number: Any, singular: str, plural: str) -> str:
    return f"{number} {singular if number in (0, 1) else plural}"


def _choices(expected: str) -> str:
    # pydantic writes "'a', 'b' or 'c'"; French wants « a », « b » ou « c ».
    items = [item.strip().strip("'\"") for item in re.split(r", | or ", expected)]
    quoted = [f"« {item} »" for item in items if item]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " ou " + quoted[-1]


def _number(ctx: Mapping[str, Any], key: str) -> str:
    return str(ctx.get(key, "")).replace(".", ",")


_Phrase = str | Callable[[Mapping[str, Any]], str]


def _at_least(one: str, many: str) -> _Phrase:
    """« ne doit pas être vide », or « doit contenir au moins N <unit> »."""
    return lambda ctx: (
        "ne doit pas être vide"
        if ctx.get("min_length") == 1
        else f"doit contenir au moins {_count(ctx.get('min_length'), one, many)}"
    )


def _at_most(one: str, many: str) -> _Phrase:
    """« doit contenir au plus N <unit> »."""
    return lambda ctx: f"doit contenir au plus {_count(ctx.get('max_length'), one, many)}"


def _one_of(ctx: Mapping[str, Any]) -> str:
    """« doit valoir « a », « b » ou « c » »."""
    return f"doit valoir {_choices(str(ctx.get('expected', '')))}"


_DATE = "doit être une date au format AAAA-MM-JJ"
_DATETIME = "doit être une date et heure ISO 8601 (2026-09-15T14:00:00+02:00)"
_JSON_OBJECT = "doit être un objet JSON"

# Phrases that several error types share: pydantic's strict and lax checks of one type
# (``int_type``, ``int_parsing``…), or types a client sees as one (a JSON list).
_SHARED_PHRASES: dict[str, tuple[str, ...]] = {
    "doit être une chaîne de caractères": ("string_type", "string_unicode", "bytes_type"),
    "doit être un nombre entier": ("int_type", "int_parsing", "int_from_float"),
    "doit être un nombre": ("float_type", "float_parsing"),
    "doit être un nombre décimal": ("decimal_type", "decimal_parsing"),
    "doit valoir true ou false": ("bool_type", "bool_parsing"),
    _DATE: ("date_type", "date_parsing", "date_from_datetime_parsing"),
    _DATETIME: ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"),
    "doit être une heure au format HH:MM": ("time_type", "time_parsing"),
    "doit être une durée": ("time_delta_type", "time_delta_parsing"),
    "doit être un identifiant UUID": ("uuid_type", "uuid_parsing"),
    "n'est pas une adresse web (URL) valide": ("url_parsing", "url_syntax_violation"),
    _JSON_OBJECT: ("dict_type", "model_type", "model_attributes_type", "dataclass_type"),
    "doit être une liste": ("list_type", "tuple_type", "set_type", "frozen_set_type"),
}

# What follows « Le champ « x » … »: a predicate, so it also reads after « Ce champ ».
_PHRASES: dict[str, _Phrase] = {
    **{kind: phrase for phrase, kinds in _SHARED_PHRASES.items() for kind in kinds},
    "missing": "est obligatoire",
    "extra_forbidden": "n'est pas attendu",
    "string_too_short": _at_least("caractère", "caractères"),
    "string_too_long": _at_most("caractère", "caractères"),
    "string_pattern_mismatch": "n'a pas le format attendu",
    "too_short": _at_least("élément", "éléments"),
    "too_long": _at_most("élément", "éléments"),
    "greater_than": lambda ctx: f"doit être supérieur à {_number(ctx, 'gt')}",
    "greater_than_equal": lambda ctx: f"doit être supérieur ou égal à {_number(ctx, 'ge')}",
    "less_than": lambda ctx: f"doit être inférieur à {_number(ctx, 'lt')}",
    "less_than_equal": lambda ctx: f"doit être inférieur ou égal à {_number(ctx, 'le')}",
    "multiple_of": lambda ctx: f"doit être un multiple de {_number(ctx, 'multiple_of')}",
    "finite_number": "doit être un nombre fini",
    "int_parsing_size": "est un nombre trop grand",
    "decimal_max_digits": lambda ctx: (
        f"doit compter au plus {_count(ctx.get('max_digits'), 'chiffre', 'chiffres')}"
    ),
    "decimal_max_places": lambda ctx: (
        f"doit compter au plus {_count(ctx.get('decimal_places'), 'décimale', 'décimales')}"
    ),
    "literal_error": _one_of,
    "enum": _one_of,
    "date_from_datetime_inexact": "doit être une date sans heure",
    "date_past": "doit être une date passée",
    "date_future": "doit être une date à venir",
    "datetime_object_invalid": "n'est pas une date et heure valide",
    "datetime_past": "doit être dans le passé",
    "datetime_future": "doit être dans le futur",
    "timezone_aware": "doit préciser le décalage horaire (par exemple +02:00)",
    "timezone_naive": "ne doit pas préciser de décalage horaire",
    "timezone_offset": "n'a pas le décalage horaire attendu",
    "uuid_version": "n'est pas un identifiant UUID de la bonne version",
    "url_type": "doit être une adresse web (URL)",
    "url_too_long": "est une adresse web (URL) trop longue",
    "url_scheme": "doit être une adresse web commençant par http:// ou https://",
    "set_item_not_hashable": "contient une valeur impossible à comparer",
    "none_required": "doit être vide (null)",
    "json_invalid": "n'est pas un document JSON valide",
    "json_type": "doit être un texte JSON",
    "bytes_too_short": lambda ctx: (
        f"doit contenir au moins {_count(ctx.get('min_length'), 'octet', 'octets')}"
    ),
    "bytes_too_long": lambda ctx: (
        f"doit contenir au plus {_count(ctx.get('max_length'), 'octet', 'octets')}"
    ),
    "union_tag_invalid": lambda ctx: (
        f"a une valeur « {ctx.get('tag')} » inconnue pour « {ctx.get('discriminator')} » "
        f"(valeurs possibles : {_choices(str(ctx.get('expected_tags', '')))})"
    ),
    "union_tag_not_found": lambda ctx: f"doit préciser « {ctx.get('discriminator')} »",
    "ip_v4_address": "doit être une adresse IPv4",
    "ip_any_address": "doit être une adresse IP",
    "frozen_field": "ne peut pas être modifié",
}
_INVALID = "est invalide"
_EMAIL_PREFIX = "value is not a valid email address"
_CUSTOM_PREFIXES = ("Value error, ", "Assertion failed, ")


def _lowercase_first(text: str) -> str:
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word.isupper():
        return text  # an acronym: « UAI inconnu. »
    return text[:1].lower() + text[1:]


def _custom_message(error: ErrorDetails) -> str | None:
    """The French text a service wrote in its own validator, or None for pydantic's."""
    if error["type"] in ("value_error", "assertion_error"):
        message = error["msg"]
        if message.startswith(_EMAIL_PREFIX):
            return None
        for prefix in _CUSTOM_PREFIXES:
            if message.startswith(prefix):
                return message[len(prefix) :]
        return message
    if error["type"] not in _PYDANTIC_ERROR_TYPES:
        return error["msg"]  # PydanticCustomError raised by a service, in French
    return None


def _phrase(error: ErrorDetails) -> str:
    if error["type"] == "value_error" and error["msg"].startswith(_EMAIL_PREFIX):
        return "n'est pas une adresse e-mail valide"
    phrase = _PHRASES.get(error["type"], _INVALID)
    if callable(phrase):
        return phrase(error.get("ctx") or {})
    return phrase


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional so the walk sees the type that holds values."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def _field_annotation(model: type[BaseModel], key: str) -> tuple[bool, Any]:
    for name, field in model.model_fields.items():
        if key in (name, field.alias, field.validation_alias):
            return True, field.annotation
    return False, None


def field_path(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """A readable name for pydantic's ``loc``: ``job.title``, ``slots[1].starts_at``.

    pydantic puts union members' labels (``Job``, ``int``…) into ``loc``; walking the
    model's annotations tells a label from a field name, so only names remain.
    """
    path = ""
    current: Any = model
    for element in loc:
        current = _unwrap(current)
        origin = get_origin(current)
        if isinstance(element, int):
            path += f"[{element}]"
            args = get_args(current)
            current = args[-1] if origin in (*_SEQUENCES, dict) and args else None
            continue
        if origin in (typing.Union, types.UnionType):
            members = {getattr(arg, "__name__", str(arg)): arg for arg in get_args(current)}
            current = members.get(element)
            continue  # a member's label, not a field
        if isinstance(current, type) and issubclass(current, BaseModel):
            found, current = _field_annotation(current, element)
            if not found:
                current = None
        elif origin is dict or current is dict:
            args = get_args(current)
            current = args[1] if args else None
        else:
            current = None
        path = f"{path}.{element}" if path else element
    return path


_SUBJECTS: dict[Where, tuple[str, str, str]] = {
    # (named field, field in details, the whole input)
    "body": ("Le champ", "Ce champ", "Le corps de la requête"),
    "query": ("Le paramètre", "Ce paramètre", "La chaîne de requête"),
}


def describe_error(error: ErrorDetails, field: str, where: Where) -> tuple[str, str]:
    """(headline naming the field, message for ``details``) in French."""
    named, unnamed, whole = _SUBJECTS[where]
    custom = _custom_message(error)
    if custom is not None:
        detail = sentence(custom)
        if not field:
            return detail, detail
        return f"{named} « {field} » est invalide : {_lowercase_first(detail)}", detail
    phrase = _phrase(error)
    if not field:
        return f"{whole} {phrase}.", f"{whole} {phrase}."
    return f"{named} « {field} » {phrase}.", f"{unnamed} {phrase}."


def invalid_request(
    exc: ValidationError, model: type[BaseModel], where: Where = "body"
) -> ApiError:
    """400 ``invalid_request`` for pydantic's errors, in French, every field in details."""
    errors = exc.errors(include_url=False, include_input=False)
    return _refusal([(error, field_path(model, tuple(error["loc"]))) for error in errors], where)


def _refusal(errors: list[tuple[ErrorDetails, str]], where: Where) -> ApiError:
    """400 ``invalid_request``: the first problem headlines, each field in details."""
    details: list[dict[str, str]] = []
    headline = INVALID_REQUEST.message
    for index, (error, field) in enumerate(errors):
        message, detail = describe_error(error, field, where)
        if index == 0:
            headline = message
        details.append({"field": field, "message": detail})
    return ApiError(INVALID_REQUEST.status, INVALID_REQUEST.code, headline, details=details)


def _within_the_years(found: ModelT, where: Where) -> ModelT:
    """``found`` when each of its dates lies within the years a request may name."""
    errors: list[tuple[ErrorDetails, str]] = [
        ({"type": "date_out_of_range", "loc": (), "msg": OUT_OF_RANGE, "input": day}, field)
        for field, day in dates_out_of_range(found)
    ]
    if errors:
        raise _refusal(errors, where)
    return found


# Raised by a model's own checks comparing dates at the ends of Python's calendar
# (aware dates in two time zones, years 1 or 9999), before the years are checked.
_DATE_OVERFLOW = f"Une date de la requête est hors des limites : {OUT_OF_RANGE.lower()}"


# A date sent as a number, or as text that is one: pydantic reads it as a Unix time,
# strict mode included (``"1800000000"`` is 15 January 2027). The API's dates are ISO
# 8601 text, as its OpenAPI documents say: a number is refused like any other text.
_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
# pydantic's own date types are markers, not subclasses of ``datetime`` or ``date``.
_MOMENTS = (datetime, AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)
_DAYS = (date, PastDate, FutureDate)
_DATE_TYPES = (*_MOMENTS, *_DAYS)


def _numbers_for_dates(
    annotation: Any, value: Any, loc: tuple[int | str, ...] = ()
) -> Iterator[tuple[tuple[int | str, ...], ErrorType]]:
    """Where ``value`` (raw input for ``annotation``) gives a date as a number, and the
    error pydantic names for a date (or date and time) it cannot read."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for member in get_args(annotation):
            yield from _numbers_for_dates(member, value, loc)
    elif isinstance(annotation, type) and issubclass(annotation, _DATE_TYPES):
        if isinstance(value, str) and _NUMBER.fullmatch(value):
            yield loc, "datetime_parsing" if issubclass(annotation, _MOMENTS) else "date_parsing"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, dict):
            for key, item in value.items():
                found, inner = _field_annotation(annotation, key)
                if found:
                    yield from _numbers_for_dates(inner, item, (*loc, key))
    elif origin in _SEQUENCES and isinstance(value, list):
        inner = get_args(annotation)[0] if get_args(annotation) else Any
        for index, item in enumerate(value):
            yield from _numbers_for_dates(inner, item, (*loc, index))
    elif origin is dict and isinstance(value, dict) and len(get_args(annotation)) == 2:
        for key, item in value.items():
            yield from _numbers_for_dates(get_args(annotation)[1], item, (*loc, key))


def _holds_dates(annotation: Any, seen: frozenset[type] = frozenset()) -> bool:
    """Whether a date may stand anywhere in ``annotation`` (a model, a list…)."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, _DATE_TYPES):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:  # a model that holds itself
            return False
        return any(
            _holds_dates(field.annotation, seen | {annotation})
            for field in annotation.model_fields.values()
        )
    return any(_holds_dates(arg, seen) for arg in get_args(annotation))


@cache
def _model_holds_dates(model: type[BaseModel]) -> bool:
    return _holds_dates(model)


def _refuse_numbers_for_dates(model: type[BaseModel], raw: Any, where: Where) -> None:
    """400 where ``raw``, the request's input for ``model``, gives a date as a number."""
    places = dict.fromkeys(_numbers_for_dates(model, raw))  # once each, in order
    if places:
        raise _refusal(
            [
                ({"type": kind, "loc": loc, "msg": "", "input": None}, field_path(model, loc))
                for loc, kind in places
            ],
            where,
        )


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def read_json(request: web.Request, model: type[ModelT]) -> ModelT:
    """The request body validated into ``model``.

    415 ``unsupported_media_type`` unless the content type is JSON, 413 over the
    size limit, 400 ``malformed_json`` when it does not parse, 400
    ``invalid_request`` when it does not match the model, where a value of another JSON
    type than the field's is refused rather than converted (``"7"``, ``true`` for 7).
    """
    length = request.content_length
    if length is not None and length > request.client_max_size:
        raise PAYLOAD_TOO_LARGE.error(max_bytes=request.client_max_size)
    raw = await request.read()  # raises 413 itself for an undeclared length
    if not raw.strip():
        raise MALFORMED_JSON.error(
            "Le corps de la requête est vide : un document JSON est attendu."
        )
    if not _is_json(request.content_type):
        raise UNSUPPORTED_MEDIA_TYPE.error()
    try:
        # Strict: JSON's own types only. ``false`` is no amount and ``0`` no consent; a
        # date and time is still its ISO 8601 text (strict JSON mode parses it).
        found = model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" and not error["loc"] for error in exc.errors()):
            raise MALFORMED_JSON.error() from None
        raise invalid_request(exc, model, "body") from None
    except OverflowError:
        raise INVALID_REQUEST.error(_DATE_OVERFLOW) from None
    if _model_holds_dates(model):
        _refuse_numbers_for_dates(model, json.loads(raw), "body")
    return _within_the_years(found, "body")


def _wants_many(annotation: Any) -> bool:
    annotation = _unwrap(annotation)
    return get_origin(annotation) in _SEQUENCES or annotation in _SEQUENCES


def read_query(request: web.Request, model: type[ModelT]) -> ModelT:
    """The query string validated into ``model``; a list field takes repeated keys."""
    query = request.rel_url.query
    many: set[str] = set()
    for name, field in model.model_fields.items():
        if _wants_many(field.annotation):
            many.update(key for key in (name, field.alias) if key)
    values: dict[str, Any] = {}
    for key in query:
        if key in values:
            continue
        values[key] = query.getall(key) if key in many else query[key]
    try:
        found = model.model_validate(values)
    except ValidationError as exc:
        raise invalid_request(exc, model, "query") from None
    except OverflowError:
        raise INVALID_REQUEST.error(_DATE_OVERFLOW) from None
    if _model_holds_dates(model):
        _refuse_numbers_for_dates(model, values, "query")
    return _within_the_years(found, "query")
