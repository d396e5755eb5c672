"""The pages emailed links open: activation, lost password, email change.

Accounts are made through the public API, as another client would; the links are
taken from the emails the mail catcher received and opened in the browser, as a
person would. An expired link is reached by moving its expiry into the past in
accounts' database (the clock moving on), since waiting 12 hours is not a test.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fixtures.windows import clear_of_window_turn
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import (
    PASSWORD,
    api,
    can_sign_in,
    expire_links,
    link_from_mail,
    mails_with,
    new_ambassador,
    sign_in,
    signed_up,
)
from tests.web.site import RunningSite

NEW_PASSWORD = "Le vent du nord sur la digue"
WEAK_PASSWORD = "azertyuiop123"


async def heading(page: Page) -> str:
    return await page.get_by_role("heading", level=1).inner_text()


# --- activation ---------------------------------------------------------------------------


async def test_new_ambassador_creates_a_password_from_the_email_and_lands_signed_in(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "lea.dupont@example.org"
    await signed_up(site, email)
    link = await link_from_mail(site, email, "/activer")

    response = await page.goto(link)
    assert response is not None
    assert response.status == 200
    await expect(page.get_by_role("heading", level=1)).to_have_text("Créez votre mot de passe")
    await expect(page.get_by_text(email).first).to_be_visible()
    await expect(page.get_by_text("contenir au moins 12 caractères")).to_be_visible()
    field = page.get_by_label("Mot de passe", exact=True)
    await field.fill("court")
    await expect(page.get_by_text("Encore 7 caractères au moins")).to_be_visible()
    await looker.look(page, "activer")

    await field.fill(WEAK_PASSWORD)
    await expect(page.get_by_text("Longueur suffisante")).to_be_visible()
    await page.get_by_role("button", name="Activer mon compte").click()
    await expect(page.locator("#password-error")).to_contain_text("mots de passe les plus courants")
    await expect(page.get_by_role("alert")).to_contain_text("Il y a un problème")
    assert (await page.title()).startswith("Erreur : ")
    await looker.look(page, "activer-erreur")

    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Activer mon compte").click()
    await expect(page).to_have_url(site.url("/agenda"))
    await expect(page.get_by_role("status").first).to_contain_text("Votre compte est activé")
    await expect(page.get_by_text("Connecté : Élodie Martin")).to_be_visible()
    await looker.look(page, "activer-fait")

    # The link served once: opened again, it says so and offers the ways in.
    await page.context.clear_cookies()
    response = await page.goto(link)
    assert response is not None
    assert response.status == 410
    assert await heading(page) == "Ce lien n'est plus valable"
    await expect(page.get_by_text("Il a déjà été utilisé")).to_be_visible()
    await expect(page.get_by_role("main").get_by_role("link", name="Se connecter")).to_be_visible()
    await expect(page.get_by_role("link", name="Mot de passe perdu ?")).to_be_visible()
    await looker.look(page, "activer-deja-utilise")


async def test_expired_activation_link_sends_a_new_one_in_one_step(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "paul.lefebvre@example.org"
    await signed_up(site, email, as_staff=True)
    old_link = await link_from_mail(site, email, "/activer")
    await expire_links(site, "confirmation")

    response = await page.goto(old_link)
    assert response is not None
    assert response.status == 410
    assert await heading(page) == "Ce lien a expiré"
    await expect(page.get_by_text("n'est valable que 12 heures")).to_be_visible()
    await looker.look(page, "activer-expire")

    await page.get_by_role("button", name="Recevoir un nouveau lien").click()
    await expect(page).to_have_url(site.url("/nouveau-lien/envoye?objet=activation"))
    assert await heading(page) == "Vérifiez votre messagerie"
    await expect(page.get_by_text("Un nouveau lien pour activer votre compte")).to_be_visible()
    await expect(page.get_by_text("courriers indésirables")).to_be_visible()
    await looker.look(page, "nouveau-lien-envoye")

    new_link = await link_from_mail(site, email, "/activer", nth=2)
    assert new_link != old_link
    await page.goto(old_link)
    assert await heading(page) == "Ce lien n'est plus valable"
    await page.goto(new_link)
    assert await heading(page) == "Créez votre mot de passe"
    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Activer mon compte").click()
    await expect(page).to_have_url(site.url("/agenda"))
    await expect(page.get_by_text("Votre compte est activé")).to_be_visible()
    # One email at the sign-up, one for the new link: nothing of the sign-up was redone.
    assert mails_with(site, email, "Confirmez votre inscription à Proch'Orientation") == 2


# --- lost password ---------------------------------------------------------------------


async def test_lost_password_from_the_request_to_the_new_password(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "elodie.martin@example.org"
    await new_ambassador(site, email)

    await page.goto("/connexion")
    await page.get_by_role("link", name="Mot de passe perdu ?").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe perdu")
    await expect(page.get_by_text("valable 5 minutes")).to_be_visible()
    await looker.look(page, "mot-de-passe-perdu")
    await page.get_by_role("button", name="Recevoir un lien").click()
    await expect(page.locator("#email-error")).to_contain_text("Saisissez l'adresse e-mail")
    await looker.look(page, "mot-de-passe-perdu-erreur")

    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_role("button", name="Recevoir un lien").click()
    await expect(page).to_have_url(site.url("/mot-de-passe/lien-envoye"))
    await expect(page.get_by_text(f"Si un compte existe pour l'adresse {email}")).to_be_visible()
    await expect(page.get_by_text("5 minutes", exact=True)).to_be_visible()
    await expect(page.get_by_text("courriers indésirables")).to_be_visible()
    await looker.look(page, "lien-envoye")

    link = await link_from_mail(site, email, "/mot-de-passe")
    await page.goto(link)
    assert await heading(page) == "Choisissez un nouveau mot de passe"
    await expect(page.get_by_text("ce lien n'est valable que 5 minutes")).to_be_visible()
    await looker.look(page, "nouveau-mot-de-passe")
    await page.get_by_label("Nouveau mot de passe").fill(email)
    await page.get_by_role("button", name="Changer mon mot de passe").click()
    await expect(page.locator("#password-error")).to_contain_text("ne doit pas reprendre votre nom")
    await page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer mon mot de passe").click()

    await expect(page).to_have_url(site.url("/connexion"))
    banner = page.get_by_text("Votre mot de passe a été changé, connectez-vous")
    await expect(banner).to_be_visible()
    await looker.look(page, "connexion-apres-changement")
    assert not await can_sign_in(site, email, PASSWORD)
    assert await can_sign_in(site, email, NEW_PASSWORD)


async def test_lost_password_answers_alike_for_an_unknown_address(
    page: Page, site: RunningSite
) -> None:
    await page.goto("/mot-de-passe")
    await page.get_by_label("Adresse e-mail").fill("personne@example.org")
    await page.get_by_role("button", name="Recevoir un lien").click()
    await expect(page).to_have_url(site.url("/mot-de-passe/lien-envoye"))
    await expect(
        page.get_by_text("Si un compte existe pour l'adresse personne@example.org")
    ).to_be_visible()
    assert site.mail.messages(to="personne@example.org") == []


async def test_expired_reset_link_is_renewed_in_one_step(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "elodie.martin@example.org"
    await new_ambassador(site, email)
    status, _ = await api(site, "POST", "/accounts/password-resets", json={"email": email})
    assert status == 202
    old_link = await link_from_mail(site, email, "/mot-de-passe")
    await expire_links(site, "password_reset")

    await page.goto(old_link)
    assert await heading(page) == "Ce lien a expiré"
    await expect(page.get_by_text("n'est valable que 5 minutes")).to_be_visible()
    await looker.look(page, "mot-de-passe-expire")
    await page.get_by_role("button", name="Recevoir un nouveau lien").click()
    await expect(page).to_have_url(site.url("/nouveau-lien/envoye?objet=mot-de-passe"))
    await expect(page.get_by_text("5 minutes", exact=True)).to_be_visible()

    new_link = await link_from_mail(site, email, "/mot-de-passe", nth=2)
    await page.goto(new_link)
    await page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer mon mot de passe").click()
    await expect(page).to_have_url(site.url("/connexion"))
    await expect(page.get_by_text("Votre mot de passe a été changé")).to_be_visible()
    assert await can_sign_in(site, email, NEW_PASSWORD)


@pytest.mark.timeout(300)
async def test_too_many_reset_requests_say_how_long_to_wait(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "elodie.martin@example.org"
    # Lost-password links are counted per hour, in windows aligned on the clock.
    await clear_of_window_turn(margin_seconds=90, window_seconds=3_600)
    for _ in range(3):  # accounts allows three links per address and per hour
        await page.goto("/mot-de-passe")
        await page.get_by_label("Adresse e-mail").fill(email)
        await page.get_by_role("button", name="Recevoir un lien").click()
        await expect(page).to_have_url(site.url("/mot-de-passe/lien-envoye"))
    await page.goto("/mot-de-passe")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_role("button", name="Recevoir un lien").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Vous avez demandé plusieurs liens en peu de temps")
    # However long is left of the hour, rounded up: « attendez 2 minutes », « attendez
    # 42 minutes », « attendez 1 heure » just after the hour has turned.
    await expect(alert).to_contain_text(
        re.compile(r"attendez (\d+ minutes?|1 heure) avant d'en demander")
    )
    await expect(page.get_by_label("Adresse e-mail")).to_have_value(email)
    await looker.look(page, "mot-de-passe-trop-de-demandes")


# --- email change ------------------------------------------------------------------------


async def _new_address_link(site: RunningSite, email: str, new_email: str) -> tuple[str, str]:
    """An ambassador of ``email`` asks for ``new_email`` through the API: the link mailed
    to the new address, and the bearer token the request was made with."""
    await new_ambassador(site, email)
    status, session = await api(
        site, "POST", "/accounts/sessions", json={"email": email, "password": PASSWORD}
    )
    assert status == 200
    token = str(session["access_token"])
    status, _ = await api(
        site,
        "POST",
        "/accounts/me/email",
        headers={"Authorization": f"Bearer {token}"},
        json={"new_email": new_email, "current_password": PASSWORD},
    )
    assert status == 202
    return await link_from_mail(site, new_email, "/email"), token


async def test_new_email_address_is_confirmed_with_a_button_not_by_opening_the_link(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email, new_email = "elodie.martin@example.org", "elodie.nouvelle@example.org"
    link, token = await _new_address_link(site, email, new_email)
    bearer = {"Authorization": f"Bearer {token}"}

    await page.goto(link)
    assert await heading(page) == "Confirmez votre nouvelle adresse e-mail"
    await expect(page.get_by_text(new_email)).to_be_visible()
    await looker.look(page, "email")
    _, me = await api(site, "GET", "/accounts/me", headers=bearer)
    assert me["email"] == email  # opening the link changed nothing

    await page.get_by_role("button", name="Confirmer cette adresse").click()
    await expect(page).to_have_url(site.url("/email/confirmee"))
    await expect(page.get_by_role("status").first).to_contain_text(
        f"Votre nouvelle adresse e-mail est confirmée : {new_email}"
    )
    await looker.look(page, "email-confirmee")
    _, me = await api(site, "GET", "/accounts/me", headers=bearer)
    assert me["email"] == new_email
    assert await can_sign_in(site, new_email, PASSWORD)

    await page.goto(link)
    assert await heading(page) == "Ce lien n'est plus valable"


async def test_signed_in_person_confirming_a_new_address_sees_it_at_once(
    page: Page, site: RunningSite
) -> None:
    email, new_email = "elodie.martin@example.org", "elodie.nouvelle@example.org"
    link, _ = await _new_address_link(site, email, new_email)
    await sign_in(page, email, PASSWORD)
    await page.goto(link)
    await page.get_by_role("button", name="Confirmer cette adresse").click()
    await expect(page).to_have_url(site.url("/email/confirmee"))
    await expect(page.get_by_role("link", name="Aller à mon profil")).to_be_visible()
    await page.get_by_role("link", name="Aller à mon profil").click()
    await expect(page.get_by_text(new_email).first).to_be_visible()


async def test_a_new_address_taken_meanwhile_says_where_to_choose_another(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email, new_email = "lucie.martin@example.org", "lucie.nouvelle@example.org"
    link, _ = await _new_address_link(site, email, new_email)
    await new_ambassador(site, new_email)  # someone else joins with it first

    await page.goto(link)
    await page.get_by_role("button", name="Confirmer cette adresse").click()
    assert await heading(page) == "Cette adresse e-mail est déjà utilisée"
    await looker.look(page, "email-deja-utilisee")
    await page.get_by_role("link", name="Changer mon adresse e-mail").click()
    await sign_in(page, email, PASSWORD)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Changer d'adresse e-mail")


# --- without JavaScript ----------------------------------------------------------------------


async def test_activation_and_lost_password_work_without_javascript(
    browser: Browser, site: RunningSite, looker: Looker
) -> None:
    context = await new_context(browser, site, javascript=False)
    page = await context.new_page()
    email = "lea.dupont@example.org"
    await signed_up(site, email)

    await page.goto(await link_from_mail(site, email, "/activer"))
    await expect(page.get_by_role("button", name="Afficher le mot de passe")).to_have_count(0)
    await page.get_by_label("Mot de passe", exact=True).fill("court")
    await page.get_by_role("button", name="Activer mon compte").click()
    await expect(page.locator("#password-error")).to_contain_text("au moins 12 caractères")
    await looker.look(page, "sans-js-activer-erreur")
    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Activer mon compte").click()
    await expect(page).to_have_url(site.url("/agenda"))
    await expect(page.get_by_text("Votre compte est activé")).to_be_visible()
    await looker.look(page, "sans-js-activer-fait")
    await context.clear_cookies()

    await page.goto("/mot-de-passe")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_role("button", name="Recevoir un lien").click()
    await expect(page).to_have_url(site.url("/mot-de-passe/lien-envoye"))
    await looker.look(page, "sans-js-lien-envoye")
    await page.goto(await link_from_mail(site, email, "/mot-de-passe"))
    await page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer mon mot de passe").click()
    await expect(page).to_have_url(site.url("/connexion"))
    await expect(page.get_by_text("Votre mot de passe a été changé")).to_be_visible()
    await looker.look(page, "sans-js-connexion")
    assert await can_sign_in(site, email, NEW_PASSWORD)
    await context.close()


async def test_expired_link_is_renewed_without_javascript(
    browser: Browser, site: RunningSite, looker: Looker
) -> None:
    context = await new_context(browser, site, javascript=False)
    page = await context.new_page()
    email = "lea.dupont@example.org"
    await signed_up(site, email)
    old_link = await link_from_mail(site, email, "/activer")
    await expire_links(site, "confirmation")
    await page.goto(old_link)
    await page.get_by_role("button", name="Recevoir un nouveau lien").click()
    await expect(page).to_have_url(site.url("/nouveau-lien/envoye?objet=activation"))
    await looker.look(page, "sans-js-nouveau-lien")
    await page.goto(await link_from_mail(site, email, "/activer", nth=2))
    assert await heading(page) == "Créez votre mot de passe"
    await context.close()
