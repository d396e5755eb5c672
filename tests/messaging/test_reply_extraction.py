"""The corpus of real-looking reply mails: what each one posts, or why it posts nothing."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from services.messaging.inbound.automatic import automatic_reason
from services.messaging.inbound.html_text import html_to_text
from services.messaging.inbound.reply import latest_reply, reply_text
from services.messaging.inbound.senders import sender_is_owner
from services.messaging.inbound.signature import Sender, strip_signature
from tests.messaging.conftest import CORPUS, CORPUS_SENDER

# The corpus's writer, as messaging knows him from accounts' contact details.
KARIM = Sender(first_name="Karim", last_name="Benali", phone="0612345678")
ELISE = Sender(first_name="Élise", last_name="Vasseur", phone="+33698765432")

EXPECTED = {
    "gmail_fr.eml": (
        "Bonjour Léa,\n\nAvec plaisir ! Je peux venir le jeudi 12 mars à 14 h.\n"
        "Je vous propose de présenter :\n- mon parcours\n- une journée type à l'atelier\n\n"
        "Pouvez-vous me dire combien d'élèves seront présents ?"
    ),
    "outlook_fr.eml": (
        "Bonjour,\n\nC'est noté pour jeudi 12 mars. Je joins le plan d'accès de l'atelier "
        "pour une prochaine visite de la classe."
    ),
    "thunderbird_en.eml": (
        "Hello Léa,\n\nThursday works for me. I will bring a few samples of our parts so "
        "that the pupils can hold them, and a short video of the workshop."
    ),
    "apple_mail_fr.eml": "Parfait, merci ! À jeudi.",
    # Signatures with no "-- " above them, as each mail program writes them.
    "outlook_web_fr.eml": (
        "Bonjour,\n\nOui, c'est parfait pour le jeudi 12 mars. Je viendrai avec deux "
        "apprentis de l'atelier."
    ),
    "outlook_desktop_en.eml": (
        "Hello Léa,\n\nThursday 12 March at 2 pm is fine. Could the pupils prepare a few "
        "questions beforehand?"
    ),
    "gmail_en.eml": (
        "Hi Léa,\n\nGreat, see you on Thursday. I will bring the safety glasses for the pupils."
    ),
    "ios_mail_en.eml": "Works for me, thank you!",
    "android_samsung_fr.eml": "Oui, jeudi 14 h me va.",
    "thunderbird_fr.eml": (
        "Bonjour Léa,\n\nJe vous confirme ma venue. Prévoyez un vidéoprojecteur si possible, "
        "je montrerai quelques photos de l'atelier."
    ),
    "apple_mail_mac_fr.eml": (
        "Bonjour Léa,\n\nMerci pour la liste des questions, je les ai lues. À jeudi !"
    ),
    "html_only.eml": (
        "Bonjour,\n\nJe confirme ma venue le jeudi 12 mars. Pour les détails pratiques, "
        "écrivez-moi plutôt sur karim.perso@orange.fr ou au 07 81 22 33 44.\n"
        "- Salle : atelier B\n- Durée : 45 min\nNotre site"
    ),
}
AUTOMATIC = {
    "auto_reply.eml": "Auto-Submitted: auto-replied",
    "bounce.eml": "empty return path (bounce)",
}


def _mail(name: str) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes((CORPUS / name).read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_the_corpus_covers_every_case_it_should() -> None:
    assert {path.name for path in CORPUS.glob("*.eml")} == set(EXPECTED) | set(AUTOMATIC)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reply_keeps_the_new_words_without_quote_signature_or_attachment(name: str) -> None:
    message = _mail(name)

    assert automatic_reason(message, CORPUS_SENDER) is None
    text = reply_text(message, KARIM)
    assert text == EXPECTED[name]
    for leak in ("Benali", "Mécanique", "Workshop manager", "59000", "iPhone", "Galaxy"):
        assert leak not in text, leak


@pytest.mark.parametrize("name", sorted(AUTOMATIC))
def test_automatic_mails_are_recognised(name: str) -> None:
    sender = "" if name == "bounce.eml" else CORPUS_SENDER

    assert automatic_reason(_mail(name), sender) == AUTOMATIC[name]


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Auto-Submitted", "auto-generated", "Auto-Submitted: auto-generated"),
        ("Precedence", "bulk", "Precedence: bulk"),
        ("Precedence", "junk", "Precedence: junk"),
        ("Precedence", "list", "Precedence: list"),
        ("X-Autoreply", "yes", "X-Autoreply header"),
        ("X-Autorespond", "Vacation", "X-Autorespond header"),
        ("List-Id", "<parents.college.exemple.fr>", "mailing list"),
    ],
)
def test_loop_prone_headers_mark_a_mail_automatic(header: str, value: str, reason: str) -> None:
    message = EmailMessage()
    message["From"] = CORPUS_SENDER
    message["Subject"] = "Re: Présentation"
    message[header] = value
    message.set_content("Bonjour")

    assert automatic_reason(message, CORPUS_SENDER) == reason


def test_a_person_writing_auto_submitted_no_is_not_automatic() -> None:
    message = EmailMessage()
    message["From"] = CORPUS_SENDER
    message["Subject"] = "Re: Présentation"
    message["Auto-Submitted"] = "no"
    message.set_content("Bonjour")

    assert automatic_reason(message, CORPUS_SENDER) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Merci !\n\nLe mar. 2 déc. 2026 à 10:12, Léa M. <a@relay.localhost> a écrit :\n"
            "> Bonjour",
            "Merci !",
        ),
        ("Thanks!\n\nOn Tue, Dec 2, 2026 at 10:12 AM Léa M. wrote:\n> Hello", "Thanks!"),
        (
            "C'est noté.\n\nDe : Léa M.\nEnvoyé : mardi 2 décembre 2026 10:12\n"
            "À : Karim\nObjet : Présentation\n\nBonjour",
            "C'est noté.",
        ),
        ("Très bien.\n\nBien cordialement,\nKarim Benali\n06 12 34 56 78", "Très bien."),
        ("D'accord.\n\n--\nKarim\nTechnicien", "D'accord."),
        ("Oui.\n\n> texte cité sans ligne d'introduction", "Oui."),
        (
            "Au programme :\n- le métier\n- la formation",
            "Au programme :\n- le métier\n- la formation",
        ),
    ],
)
def test_quotes_and_signatures_in_french_and_english_are_cut(text: str, expected: str) -> None:
    assert latest_reply(text) == expected


def test_html_mail_becomes_text_without_markup_quotes_or_scripts() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p>Bonjour,</p><p>Je viens&nbsp;!<br>"
        "<b>Jeudi</b> à 14 h.</p><script>alert(1)</script>"
        "<blockquote>ancien message</blockquote></body></html>"
    )

    assert html_to_text(html) == "Bonjour,\nJe viens !\nJeudi à 14 h."


@pytest.mark.parametrize(
    "signature",
    [
        '<div class="gmail_signature" data-smartmail="gmail_signature">Karim Benali<br>'
        "Mécanique Précision du Nord</div>",
        '<div id="Signature"><p>Karim Benali<br>Mécanique Précision du Nord</p></div>',
        '<div class="moz-signature">-- <br>Karim Benali<br>Mécanique Précision du Nord</div>',
        '<div id="ms-outlook-mobile-signature">Karim Benali, Mécanique Précision du Nord</div>',
    ],
)
def test_html_signature_containers_are_left_out(signature: str) -> None:
    html = f"<html><body><div>Oui, jeudi 14 h me va.</div>{signature}</body></html>"

    assert html_to_text(html) == "Oui, jeudi 14 h me va."


def test_only_the_registered_address_in_envelope_and_header_is_the_owner() -> None:
    owner = "karim.benali@exemple.fr"
    header = ["Karim Benali <Karim.Benali@exemple.fr>"]

    assert sender_is_owner(owner, "<KARIM.BENALI@exemple.fr>", header)
    assert not sender_is_owner(owner, "intrus@exemple.org", header)
    assert not sender_is_owner(owner, owner, ["Karim <intrus@exemple.org>"])
    assert not sender_is_owner(owner, owner, [f"{owner}, intrus@exemple.org"])
    assert not sender_is_owner(owner, owner, [])
    assert not sender_is_owner(None, owner, header)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bonjour Léa,\n\nJe confirme pour jeudi.\n\n"
            "Élise Vasseur / Électricienne — Entreprise Dubois Électricité",
            "Bonjour Léa,\n\nJe confirme pour jeudi.",
        ),
        (
            "Je confirme.\nÉLISE VASSEUR\nÉlectricienne\nEntreprise Dubois Électricité\n"
            "Tél. : 03 20 12 34 56 | Port. : 06 98 76 54 32\n4 bis rue des Lilas\n59000 Lille",
            "Je confirme.",
        ),
        ("Merci,\nÉlise", "Merci,"),
        ("Merci beaucoup !\n\nE. Vasseur", "Merci beaucoup !"),
        (
            "Bonjour,\n\nJe viens.\n\nÉlectricienne — SARL Dubois\n"
            "+33 6 98 76 54 32\nwww.dubois-elec.fr",
            "Bonjour,\n\nJe viens.",
        ),
        ("Parfait.\n\nÉlise\n\nTélécharger Outlook pour Android", "Parfait."),
        ("Oui, jeudi 14 h me va.", "Oui, jeudi 14 h me va."),
        (
            "Appelez-moi au 06 98 76 54 32 demain matin.",
            "Appelez-moi au 06 98 76 54 32 demain matin.",
        ),
        ("06 98 76 54 32", "06 98 76 54 32"),
        (
            "Bonjour,\nMon portable : 06 98 76 54 32, le fixe ne répond pas.",
            "Bonjour,\nMon portable : 06 98 76 54 32, le fixe ne répond pas.",
        ),
        (
            "Bonjour,\n\nÉlise et Marc viendront à deux.\nMerci de prévoir deux chaises.",
            "Bonjour,\n\nÉlise et Marc viendront à deux.\nMerci de prévoir deux chaises.",
        ),
        (
            "Bonjour,\nVoici mon numéro :\n06 98 76 54 32",
            "Bonjour,\nVoici mon numéro :\n06 98 76 54 32",
        ),
        (
            "Bonjour,\n\nLes intervenants seront :\nÉlise Vasseur\nMarc Dupont",
            "Bonjour,\n\nLes intervenants seront :\nÉlise Vasseur\nMarc Dupont",
        ),
        (
            "Bonjour,\nL'atelier est au 4 bis rue des Lilas, 59000 Lille.",
            "Bonjour,\nL'atelier est au 4 bis rue des Lilas, 59000 Lille.",
        ),
        (
            "Le programme :\n\n- l'accueil\n- la visite\n- les questions",
            "Le programme :\n\n- l'accueil\n- la visite\n- les questions",
        ),
    ],
)
def test_a_signature_without_separator_goes_but_never_the_body(text: str, expected: str) -> None:
    assert strip_signature(text, ELISE) == expected


def test_without_the_sender_names_a_block_of_contact_details_still_goes() -> None:
    text = "D'accord pour jeudi.\n\nResponsable d'atelier\nTél. : 03 20 12 34 56"

    assert strip_signature(text, Sender()) == "D'accord pour jeudi."
    assert strip_signature("Oui.\n\nÉlise", Sender()) == "Oui.\n\nÉlise"
