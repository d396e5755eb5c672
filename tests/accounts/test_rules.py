"""The rules of accounts, without I/O: passwords, search, territory, links, addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.accounts.domain import search
from services.accounts.domain.catalog import department_of_postcode, region
from services.accounts.domain.links import LinkToken, hash_token, is_expired
from services.accounts.domain.passwords import common_passwords, password_problem
from services.accounts.domain.records import pdf_problem
from services.accounts.domain.throttle import Threshold, client_address
from services.accounts.settings import AccountsSettings
from shared.contracts.accounts import Territory
from tests.accounts.conftest import MINIMAL_PDF


def test_the_common_password_list_holds_at_least_ten_thousand_entries_with_french_ones() -> None:
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert {"azerty", "motdepasse", "soleil", "123456", "password"} <= passwords


@pytest.mark.parametrize(
    "password",
    [
        "azertyuiop12",  # French keyboard, digits appended
        "Motdepasse2026!",  # case and suffix do not hide it
        "M0tdep@sse123",  # « leet » letters read back
        "Soleil!!!!!!",
        "jetaimemonamour",
        "&é\"'(-è_çà)=",  # the AZERTY number row
        "123456789012",  # a sequence
        "aaaaaaaaaaaa",  # a repetition
        "password1234",
    ],
)
def test_common_and_predictable_passwords_are_refused_with_a_reason(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert "mot de passe" in problem.lower()


def test_length_rules_say_how_many_characters_are_needed() -> None:
    assert (
        password_problem("Court-11car") == "Le mot de passe doit contenir au moins 12 caractères."
    )
    assert "au plus 128" in str(password_problem("x" * 60 + "y" * 69))
    long_phrase = (
        "un cheval galope sur la plage de Berck quand la marée descend vers la baie de Somme"
    )
    assert password_problem(long_phrase + " et les phoques dorment au soleil du soir") is None


def test_passphrases_without_any_composition_rule_are_accepted() -> None:
    assert password_problem("correct horse battery staple") is None
    assert password_problem("la mouette rieuse du beffroi") is None


def test_a_password_made_of_the_account_email_is_refused() -> None:
    problem = password_problem(
        "jean.dupont@example.org", personal=["jean.dupont@example.org", "jean.dupont"]
    )
    assert problem is not None
    assert "adresse e-mail" in problem


def test_search_terms_fold_accents_case_gender_and_number() -> None:
    assert search.terms("Électricienne") == search.terms("electricien") == ["electricien"]
    assert search.terms("INFIRMIÈRES") == search.terms("infirmier")
    assert search.terms("directrice commerciale") == search.terms("Directeur commercial")
    assert search.terms("la vendeuse et le coiffeur de l'usine") == ["vendeur", "coiffeur", "usin"]


def test_a_listed_profile_holds_its_terms_and_every_facet_of_its_zone() -> None:
    keys = search.ListedProfile(
        ambassador_id="a1",
        profile="professional",
        sector="energie",
        interventions=["event"],
        online=True,
        zone=Territory(departments=["59"], bassins=[]),
        texts=["Électricienne"],
    ).keys()
    assert "electricien" in keys
    assert {
        "*",
        "p:professional",
        "s:energie",
        "k:event",
        "d:59",
        "b:douaisis",
        "b:lille-est",
        "f:online",
    } <= set(keys)


def test_a_zone_of_one_bassin_counts_for_its_department_but_not_other_bassins() -> None:
    keys = search.zone_keys(Territory(bassins=["douaisis"]))
    assert keys == ["b:douaisis", "d:59"]


def test_the_rarest_key_leads_the_search_and_unknown_keys_mean_no_result() -> None:
    plan = search.plan(["electricien", "d:59"], {"electricien": 40, "d:59": 40_000}, limit=21)
    assert plan.lead == "electricien"
    assert plan.others == ("d:59",)
    assert plan.slices_per_round == search.SLICES
    common = search.plan(["d:59"], {"d:59": 40_000}, limit=21)
    assert common.slices_per_round < search.SLICES // 32
    assert search.plan(["zzz", "d:59"], {"d:59": 3}, limit=21).empty


def test_a_round_reads_what_a_page_needs_given_how_common_the_other_keys_are() -> None:
    listed = {search.ALL: 100_000, "electricien": 1_500, "d:59": 60_000, "b:douaisis": 1_000}
    # Most electricians are in the Nord: a page of 21 is found in a few dozen slices.
    common = search.plan(["electricien", "d:59"], listed, limit=21)
    assert common.lead == "electricien"
    assert 0 < common.slices_per_round * 1_500 // search.SLICES < 100
    # One in a hundred is in the Douaisis: the round reads up to the per-round bound.
    rare = search.plan(["electricien", "b:douaisis"], listed, limit=21)
    assert rare.lead == "b:douaisis"
    assert rare.slices_per_round == search.SLICES * search.CANDIDATES_PER_ROUND // 1_000
    # A larger page reads more.
    assert search.plan(["electricien", "d:59"], listed, limit=101).slices_per_round > (
        common.slices_per_round
    )


def test_referents_cover_zones_that_share_a_place() -> None:
    places = region()
    nord = Territory(departments=["59"])
    assert places.overlaps(nord, Territory(bassins=["lille-est"]))
    assert not places.overlaps(Territory(bassins=["lille-est"]), Territory(bassins=["douaisis"]))
    assert not places.overlaps(Territory(departments=["80"]), nord)


def test_postcodes_give_their_department() -> None:
    assert department_of_postcode("59000") == "59"
    assert department_of_postcode("02100") == "02"
    assert department_of_postcode("97400") == "974"
    assert department_of_postcode("20000") == "2A"


def test_link_tokens_are_long_random_values_stored_as_hashes() -> None:
    now = datetime.now(UTC)
    link = LinkToken.issue("password_reset", now=now, ttl_seconds=300)
    assert len(link.token) >= 43
    assert link.token_hash == hash_token(link.token) != link.token
    assert link.url("https://po.example/") == f"https://po.example/mot-de-passe?token={link.token}"
    assert not is_expired(link.expires_at, now + timedelta(seconds=299))
    assert is_expired(link.expires_at, now + timedelta(seconds=300))


def test_forwarded_addresses_are_believed_only_from_trusted_proxies() -> None:
    assert client_address("203.0.113.9", "198.51.100.1", ["10.0.0.2"]) == "203.0.113.9"
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.7", ["10.0.0.2"]) == "198.51.100.7"
    assert client_address("10.0.0.2", "not an address", ["10.0.0.2"]) == "10.0.0.2"


def test_trusted_proxies_may_be_networks_and_loopback_is_trusted_by_default() -> None:
    compose_network = ["172.28.0.0/16"]
    assert client_address("172.28.0.7", "198.51.100.7", compose_network) == "198.51.100.7"
    assert client_address("172.29.0.7", "198.51.100.7", compose_network) == "172.29.0.7"
    # The site calls from 172.28.0.8 on behalf of a visitor the gateway (.5) saw.
    assert client_address("172.28.0.8", "198.51.100.7, 172.28.0.5", compose_network) == (
        "198.51.100.7"
    )
    defaults = AccountsSettings().trusted_proxies
    assert client_address("127.0.0.1", "198.51.100.7", defaults) == "198.51.100.7"
    assert client_address("::1", "2001:db8::7", defaults) == "2001:db8::7"
    assert client_address("192.0.2.1", "198.51.100.7", defaults) == "192.0.2.1"
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        AccountsSettings(trusted_proxies="10.0.0.0/33")


def test_failed_logins_slow_down_then_lock() -> None:
    rule = Threshold(slow_after=3, lock_after=10, max_delay_seconds=5)
    assert [rule.delay(n) for n in (0, 2, 3, 4, 20)] == [0, 0, 1, 2, 5]
    assert not rule.locked(9)
    assert rule.locked(10)


def test_pdf_is_recognised_by_its_content_not_its_name() -> None:
    assert pdf_problem(MINIMAL_PDF) is None
    assert pdf_problem(b"GIF89a" + MINIMAL_PDF) == "Le document doit être un fichier PDF."
    assert pdf_problem(MINIMAL_PDF[:60]) is not None  # truncated: no end marker
    assert pdf_problem(b"%PDF-1.4\n%%EOF\n") is not None  # no object, no cross-reference
