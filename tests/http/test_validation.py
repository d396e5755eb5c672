"""Invalid input is refused with a French message naming the field, every problem listed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.date_bounds import OUT_OF_RANGE
from shared.http.validation import field_path, invalid_request
from tests.http import sample
from tests.http.conftest import Served

VALID: dict[str, Any] = {
    "first_name": "Léa",
    "email": "lea@example.org",
    "profile": "professional",
    "postcode": "59000",
}


async def refusal(served: Served, body: dict[str, Any]) -> dict[str, Any]:
    response = await served.client.post(served.url("/ambassadors"), json=body)
    assert response.status == 400
    error: dict[str, Any] = (await response.json())["error"]
    assert error["code"] == "invalid_request"
    return error


async def test_valid_sign_up_is_created_with_its_location(served: Served) -> None:
    response = await served.client.post(served.url("/ambassadors"), json=VALID)

    assert response.status == 201
    assert await response.json() == {"id": "a1", "status": "pending_confirmation"}
    assert response.headers["Location"] == "/api/sample/ambassadors/a1"


async def test_invalid_email_is_named_in_french(served: Served) -> None:
    error = await refusal(served, {**VALID, "email": "pas-une-adresse"})

    assert error["message"] == "Le champ « email » n'est pas une adresse e-mail valide."
    assert error["details"] == [
        {"field": "email", "message": "Ce champ n'est pas une adresse e-mail valide."}
    ]


async def test_every_problem_is_listed_and_the_first_one_headlines(served: Served) -> None:
    body = {
        "email": "lea@example.org",
        "profile": "chanteuse",
        "postcode": "59000",
        "group_size": 0,
        "nickname": "lélé",
    }

    error = await refusal(served, body)

    assert error["message"] == "Le champ « first_name » est obligatoire."
    assert error["details"] == [
        {"field": "first_name", "message": "Ce champ est obligatoire."},
        {
            "field": "profile",
            "message": "Ce champ doit valoir « student », « professional » ou « trainer ».",
        },
        {"field": "group_size", "message": "Ce champ doit être supérieur ou égal à 1."},
        {"field": "nickname", "message": "Ce champ n'est pas attendu."},
    ]


async def test_nested_and_listed_fields_are_named_by_their_path(served: Served) -> None:
    body = {
        **VALID,
        "path": {"title": "x", "sector": "santé"},
        "slots": [
            {"starts_at": "2026-09-15T14:00:00+02:00", "duration_minutes": 30},
            {"starts_at": "2026-09-15T14:00:00", "duration_minutes": 60},
        ],
    }

    error = await refusal(served, body)

    fields = [detail["field"] for detail in error["details"]]
    # The union Job | Training reports each member; the labels do not leak into names.
    assert fields == [
        "path.title",
        "path.name",
        "path.level",
        "slots[1].starts_at",
        "slots[1].duration_minutes",
    ]
    assert error["message"] == "Le champ « path.title » doit contenir au moins 2 caractères."
    assert error["details"][3]["message"] == (
        "Ce champ doit préciser le décalage horaire (par exemple +02:00)."
    )
    assert error["details"][4]["message"] == "Ce champ doit être inférieur ou égal à 45."


async def test_custom_validator_message_is_kept_without_pydantic_prefix(served: Served) -> None:
    error = await refusal(served, {**VALID, "postcode": "59"})

    assert error["message"] == (
        "Le champ « postcode » est invalide : le code postal doit compter 5 chiffres."
    )
    assert error["details"] == [
        {"field": "postcode", "message": "Le code postal doit compter 5 chiffres."}
    ]


async def test_body_that_is_not_an_object_is_refused(served: Served) -> None:
    error = await refusal(served, ["Léa"])  # type: ignore[arg-type]

    assert error["message"] == "Le corps de la requête doit être un objet JSON."
    assert error["details"] == [
        {"field": "", "message": "Le corps de la requête doit être un objet JSON."}
    ]


async def test_wrong_types_are_explained(served: Served) -> None:
    error = await refusal(
        served, {**VALID, "group_size": "beaucoup", "first_name": 12, "slots": "lundi"}
    )

    messages = {detail["field"]: detail["message"] for detail in error["details"]}
    assert messages == {
        "first_name": "Ce champ doit être une chaîne de caractères.",
        "slots": "Ce champ doit être une liste.",
        "group_size": "Ce champ doit être un nombre entier.",
    }


async def test_a_value_of_another_json_type_is_not_converted(served: Served) -> None:
    # Lax parsing would take ``true`` as 1, ``"12"`` as 12 and a number as a Unix time.
    error = await refusal(
        served,
        {
            **VALID,
            "group_size": True,
            "postcode": 59000,
            "slots": [{"starts_at": 1789000000, "duration_minutes": "30"}],
        },
    )

    messages = {detail["field"]: detail["message"] for detail in error["details"]}
    assert messages == {
        "postcode": "Ce champ doit être une chaîne de caractères.",
        "slots[0].starts_at": (
            "Ce champ doit être une date et heure ISO 8601 (2026-09-15T14:00:00+02:00)."
        ),
        "slots[0].duration_minutes": "Ce champ doit être un nombre entier.",
        "group_size": "Ce champ doit être un nombre entier.",
    }


_NOT_A_MOMENT = "Ce champ doit être une date et heure ISO 8601 (2026-09-15T14:00:00+02:00)."


async def test_a_date_written_as_a_number_is_refused_even_as_text(served: Served) -> None:
    # pydantic reads text that is a number as a Unix time, strict mode included.
    slots = [
        {"starts_at": "2026-09-15T14:00:00+02:00", "duration_minutes": 30},
        {"starts_at": "1789000000", "duration_minutes": 30},
        {"starts_at": "1.7e9", "duration_minutes": 30},
    ]
    error = await refusal(served, {**VALID, "slots": slots})

    assert error["details"] == [
        {"field": f"slots[{index}].starts_at", "message": _NOT_A_MOMENT} for index in (1, 2)
    ]


async def test_a_date_in_a_query_string_is_iso_8601_never_a_number(served: Served) -> None:
    refused = await served.client.get(served.url("/items?since=1800000000"))
    accepted = await served.client.get(served.url("/items?since=2027-01-15T09:00:00%2B01:00"))

    assert refused.status == 400
    error = (await refused.json())["error"]
    assert error["message"] == (
        "Le paramètre « since » doit être une date et heure ISO 8601 (2026-09-15T14:00:00+02:00)."
    )
    assert accepted.status == 200


async def test_dates_at_the_ends_of_the_calendar_are_refused_where_they_sit(
    served: Served,
) -> None:
    # Year 1 in a time zone east of UTC, year 9999 west of it: moved to UTC (or into the
    # database) they overflow, and the sender's typing mistake would become a 500.
    slots = [
        {"starts_at": "2026-09-15T14:00:00+02:00", "duration_minutes": 30},
        {"starts_at": "0001-01-01T00:00:00+01:00", "duration_minutes": 30},
        {"starts_at": "9999-12-31T23:59:59-01:00", "duration_minutes": 30},
    ]
    error = await refusal(served, {**VALID, "slots": slots})

    assert error["message"] == (
        "Le champ « slots[1].starts_at » est invalide : "
        "l'année doit être comprise entre 2000 et 2100."
    )
    assert error["details"] == [
        {"field": f"slots[{index}].starts_at", "message": OUT_OF_RANGE} for index in (1, 2)
    ]


async def test_query_string_is_validated_the_same_way(served: Served) -> None:
    response = await served.client.get(served.url("/items?limit=500&department=75"))

    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == "Le paramètre « limit » doit être inférieur ou égal à 100."
    assert error["details"][1] == {
        "field": "department",
        "message": "Ce paramètre doit valoir « 02 », « 59 », « 60 », « 62 » ou « 80 ».",
    }


async def test_repeated_query_keys_fill_a_list_field(served: Served) -> None:
    response = await served.client.get(served.url("/items?tag=a&tag=b&limit=2"))

    assert response.status == 200
    assert len((await response.json())["items"]) == 2


class _Pupils(BaseModel):
    group_size: int
    names: list[str]
    levels: dict[str, int]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"group_size": 1.5, "names": [], "levels": {}},
            "Le champ « group_size » doit être un nombre entier.",
        ),
        (
            {"group_size": 3, "names": ["a", 2], "levels": {}},
            "Le champ « names[1] » doit être une chaîne de caractères.",
        ),
        (
            {"group_size": 3, "names": [], "levels": {"4e": "x"}},
            "Le champ « levels.4e » doit être un nombre entier.",
        ),
    ],
)
def test_paths_name_list_items_and_dict_keys(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Pupils.model_validate(data)

    assert invalid_request(caught.value, _Pupils).message == expected


def test_union_member_labels_are_not_field_names() -> None:
    assert field_path(sample.NewAmbassador, ("path", "Job", "title")) == "path.title"
    assert field_path(sample.NewAmbassador, ("slots", 0, "starts_at")) == "slots[0].starts_at"
    assert field_path(sample.NewAmbassador, ()) == ""
