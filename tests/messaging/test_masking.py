"""Which contact details are masked, and what is left alone."""

from __future__ import annotations

import pytest

from services.messaging.domain.masking import (
    MASKED_EMAIL,
    MASKED_PHONE,
    display_phone,
    mask_contact_details,
)


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "0033612345678",
        "07 81 22 33 44",
        "03 20 12 34 56",
        "09 72 10 10 10",
    ],
)
def test_french_phone_numbers_are_masked_however_written(phone: str) -> None:
    masked = mask_contact_details(f"Mon numéro : {phone}, merci.")

    assert masked.text == f"Mon numéro : {MASKED_PHONE}, merci."
    assert masked.phones == 1


@pytest.mark.parametrize(
    "address",
    [
        "lea.martin@college-jean-moulin.fr",
        "LEA.MARTIN@AC-LILLE.FR",
        "lea+orientation@exemple.fr",
        "lea (at) exemple.fr",
        "lea [at] exemple.fr",
        "lea arobase exemple.fr",
    ],
)
def test_email_addresses_are_masked_also_when_spelled_out(address: str) -> None:
    masked = mask_contact_details(f"Écrivez-moi : {address} !")

    assert masked.text == f"Écrivez-moi : {MASKED_EMAIL} !"
    assert masked.emails == 1


def test_dates_times_postcodes_and_school_codes_are_left_alone() -> None:
    text = (
        "Rendez-vous le 12/03/2027 à 14h30 (45 min), salle 0612, au 12 rue de Lille, "
        "59000 Lille. UAI 0590123A, 2 500 élèves, 3e B, promo 2026-2027, SIRET 12345678900012."
    )

    masked = mask_contact_details(text)

    assert masked.text == text
    assert not masked.found


def test_several_details_in_one_message_are_all_masked() -> None:
    masked = mask_contact_details(
        "Tél. 06 12 34 56 78 ou 03 20 12 34 56, mail lea@exemple.fr ou lea.m@ac-lille.fr"
    )

    assert masked.text == (
        f"Tél. {MASKED_PHONE} ou {MASKED_PHONE}, mail {MASKED_EMAIL} ou {MASKED_EMAIL}"
    )
    assert (masked.phones, masked.emails) == (2, 2)


def test_shared_phone_is_shown_the_french_way() -> None:
    assert display_phone("+33612345678") == "06 12 34 56 78"
    assert display_phone("0033 6 12 34 56 78") == "06 12 34 56 78"
    assert display_phone("+32 470 12 34 56") == "+32 470 12 34 56"
    assert display_phone(None) is None
