"""Joining, in the booklet's steps: what each page asks, checks and sends (no I/O).

The ambassador's sign-up is one page per step. What a person typed in a step is kept
in the browser's session (the draft) with the problems found in it and, once the step
is right, its part of the accounts API's sign-up body. The last page sends the parts
together to ``POST /api/accounts/ambassadors``; a refusal is put back on the step and
the field it is about. The staff's and the partner's forms are checked here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.web.domain.forms import Form

AMBASSADOR_DRAFT = "ambassador_sign_up"
STAFF_DRAFT = "staff_sign_up"
SENT_DRAFT = "sign_up_sent"

BASE_PATH = "/nous-rejoindre/ambassadeur"
CHECK_PATH = f"{BASE_PATH}/verifier"
SENT_PATH = "/nous-rejoindre/verifiez-votre-messagerie"

Option = tuple[str, str, str | None]

PROFILES: tuple[Option, ...] = (
    (
        "student",
        "Lycéen, apprenti ou étudiant",
        "Vous présentez votre formation et votre parcours.",
    ),
    (
        "professional",
        "Ambassadeur des métiers",
        "Chef d'entreprise, salarié, indépendant ou retraité : vous présentez votre métier, "
        "votre entreprise, vos conditions de travail et votre parcours.",
    ),
    (
        "trainer",
        "Organisme de formation",
        "Enseignant ou formateur : vous présentez la formation que vous dispensez.",
    ),
)

KINDS: tuple[Option, ...] = (
    (
        "class_presentation",
        "Présentation en classe",
        "45 minutes au plus, toujours avec un membre de l'équipe éducative.",
    ),
    ("event", "Forum, salon ou portes ouvertes", "Sur place ou en ligne."),
    (
        "company_visit",
        "Visite d'entreprise",
        "Vous accueillez un groupe d'élèves sur votre lieu de travail.",
    ),
    (
        "discovery_internship",
        "Stage de découverte",
        "Vous accueillez un élève quelques jours pour qu'il découvre votre métier.",
    ),
)

EMPLOYMENTS: tuple[Option, ...] = (
    ("employee", "Salarié ou salariée", None),
    ("business_owner", "Chef d'entreprise", None),
    ("self_employed", "Indépendant ou indépendante", None),
    ("retired", "Retraité ou retraitée", None),
    ("other", "Autre situation", None),
)


def _label(options: Sequence[Option], value: str) -> str:
    return next((label for key, label, _ in options if key == value), value)


@dataclass(frozen=True)
class Step:
    """One page of the ambassador's sign-up."""

    slug: str
    title: str

    @property
    def path(self) -> str:
        """The page's address."""
        return f"{BASE_PATH}/{self.slug}"


PROFILE = Step("profil", "Votre profil")
IDENTITY = Step("informations", "Vos informations personnelles")
ACTIVITY = Step("metier-ou-formation", "Votre métier ou votre formation")
INTERVENTIONS = Step("interventions", "Les interventions que vous acceptez")
ZONE = Step("zone", "Votre zone d'intervention")
COMMITMENTS = Step("engagements", "Vos consentements et la charte")
STEPS: tuple[Step, ...] = (PROFILE, IDENTITY, ACTIVITY, INTERVENTIONS, ZONE, COMMITMENTS)
STEP_BY_SLUG = {step.slug: step for step in STEPS}


@dataclass(frozen=True)
class Reference:
    """The lists the checks compare answers with (from the accounts API)."""

    sectors: Mapping[str, str]
    departments: Mapping[str, str]
    bassins: Mapping[str, str]


def reference_of(sectors: Any, territory: Any) -> Reference:
    """The lists from ``GET /sectors`` and ``GET /territory``."""
    return Reference(
        sectors={item["slug"]: item["name"] for item in sectors or []},
        departments={item["code"]: item["name"] for item in territory["departments"]},
        bassins={item["code"]: item["name"] for item in territory["bassins"]},
    )


# --- the draft ------------------------------------------------------------------------


class Draft:
    """An ambassador's sign-up in progress, as kept in the session."""

    def __init__(self, stored: Mapping[str, Any] | None = None) -> None:
        stored = stored or {}
        self.steps: dict[str, dict[str, Any]] = {
            slug: dict(value) for slug, value in (stored.get("steps") or {}).items()
        }
        self.problem: str | None = stored.get("problem")

    def dump(self) -> dict[str, Any]:
        """What the session keeps."""
        return {"steps": self.steps, "problem": self.problem}

    def values(self, step: Step) -> dict[str, Any]:
        """What was typed on a step."""
        return dict(self.steps.get(step.slug, {}).get("values") or {})

    def errors(self, step: Step) -> dict[str, str]:
        """The problems found on a step when it was last sent."""
        return dict(self.steps.get(step.slug, {}).get("errors") or {})

    def part(self, step: Step) -> dict[str, Any]:
        """The step's part of the sign-up body (empty until the step is right)."""
        return dict(self.steps.get(step.slug, {}).get("part") or {})

    def done(self, step: Step) -> bool:
        """Whether the step was sent without a problem."""
        return bool(self.steps.get(step.slug, {}).get("done"))

    @property
    def profile(self) -> str | None:
        """The ambassador's profile type, once chosen."""
        return self.part(PROFILE).get("profile")

    def record(self, step: Step, form: Form, part: dict[str, Any]) -> None:
        """Keep what was sent on ``step``, its problems and, when right, its part."""
        changed_profile = step is PROFILE and form.ok and part.get("profile") != self.profile
        self.steps[step.slug] = {
            "values": form.values,
            "errors": form.errors,
            "part": part if form.ok else {},
            "done": form.ok,
        }
        if changed_profile and ACTIVITY.slug in self.steps:
            # A job and a training are asked differently: ask again, keeping what was typed.
            self.steps[ACTIVITY.slug].update(done=False, part={}, errors={})
        self.problem = None

    def refuse(self, step: Step, field: str, message: str) -> None:
        """Put the API's refusal back on the step and field it is about."""
        entry = self.steps.setdefault(step.slug, {"values": {}, "part": {}})
        others = {key: text for key, text in (entry.get("errors") or {}).items() if key != field}
        entry["errors"] = {field: message, **others}
        entry["done"] = False

    def first_missing(self) -> Step | None:
        """The first step still to answer (None: ready to check and send)."""
        return next((step for step in STEPS if not self.done(step)), None)

    def missing_before(self, step: Step) -> Step | None:
        """The first unanswered step before ``step`` (a page cannot be skipped to)."""
        for earlier in STEPS[: STEPS.index(step)]:
            if not self.done(earlier):
                return earlier
        return None

    def next_path(self) -> str:
        """Where to go after a step: the next one to answer, or the check of answers."""
        missing = self.first_missing()
        return missing.path if missing else CHECK_PATH

    def body(self, charter_version: str | None = None) -> dict[str, Any]:
        """The ``POST /api/accounts/ambassadors`` body made of every step's part."""
        body: dict[str, Any] = {}
        for step in STEPS:
            body.update(self.part(step))
        if charter_version:
            body["charter_version"] = charter_version
        return body


# --- each step's checks ------------------------------------------------------------------


def check_profile(form: Form) -> dict[str, Any]:
    """(a) Lycéen, apprenti ou étudiant; ambassadeur des métiers; organisme de formation."""
    profile = form.choice(
        "profile",
        [key for key, _, _ in PROFILES],
        "Choisissez le profil qui vous correspond.",
    )
    return {"profile": profile}


def check_identity(form: Form) -> dict[str, Any]:
    """(b) Name, email, phone, postcode and town."""
    first_name = form.required("first_name", "Indiquez votre prénom.", max_length=80)
    last_name = form.required("last_name", "Indiquez votre nom.", max_length=80)
    email = form.email("email", empty="Indiquez votre adresse e-mail.")
    phone = form.phone("phone")
    postcode = form.postcode("postcode")
    city = form.required("city", "Indiquez votre commune.", max_length=100)
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "postcode": postcode,
        "city": city,
    }


def check_activity(form: Form, profile: str | None, reference: Reference) -> dict[str, Any]:
    """(c) The job (professional) or the training (student, trainer), and the path."""
    background = form.optional("background", max_length=2000) or ""
    if profile == "professional":
        sector = form.choice("sector", reference.sectors, "Choisissez le secteur de votre métier.")
        title = form.required("job_title", "Indiquez l'intitulé de votre métier.", max_length=120)
        if title and len(title) < 2:
            form.fail("job_title", "Indiquez l'intitulé de votre métier en 2 caractères au moins.")
        employment = form.choice(
            "employment",
            [key for key, _, _ in EMPLOYMENTS],
            "Indiquez votre situation : salarié, chef d'entreprise, indépendant, retraité…",
        )
        employer = form.optional("employer", max_length=160)
        agreement = form.checked("employer_agreement")
        if employment == "employee":
            if not employer:
                form.fail("employer", "Indiquez le nom de votre employeur.")
            if not agreement:
                form.fail(
                    "employer_agreement",
                    "Cochez la case si votre employeur est d'accord : un salarié "
                    "ambassadeur intervient avec l'accord de son employeur.",
                )
        job: dict[str, Any] = {"title": title, "sector": sector, "employment": employment}
        if employer:
            job["employer"] = employer
        if employment == "employee":
            job["employer_agreement"] = agreement
        return {"job": job, "training": None, "background": background}
    name = form.required("training_name", "Indiquez l'intitulé de la formation.", max_length=160)
    if name and len(name) < 2:
        form.fail("training_name", "Indiquez l'intitulé de la formation en 2 caractères au moins.")
    level = form.required(
        "training_level", "Indiquez le niveau de la formation (CAP, bac pro, BTS…).", max_length=80
    )
    establishment = form.required(
        "training_establishment",
        "Indiquez l'établissement ou l'organisme de formation.",
        max_length=160,
    )
    if establishment and len(establishment) < 2:
        form.fail("training_establishment", "Indiquez le nom de l'établissement en entier.")
    training = {"name": name, "level": level, "establishment": establishment}
    return {"job": None, "training": training, "background": background}


def check_interventions(form: Form) -> dict[str, Any]:
    """(d) The kinds of intervention accepted."""
    kinds = form.choices(
        "interventions",
        [key for key, _, _ in KINDS],
        "Choisissez au moins un type d'intervention.",
    )
    return {"interventions": kinds, "online": form.checked("online")}


def check_zone(form: Form, reference: Reference) -> dict[str, Any]:
    """(e) Departments and, for the Nord, bassins."""
    departments = [code for code in form.many("departments") if code in reference.departments]
    bassins = [slug for slug in form.many("bassins") if slug in reference.bassins]
    if not departments and not bassins:
        form.fail("departments", "Choisissez au moins un département ou un bassin du Nord.")
    ordered_departments = [code for code in reference.departments if code in departments]
    ordered_bassins = [slug for slug in reference.bassins if slug in bassins]
    return {"zone": {"departments": ordered_departments, "bassins": ordered_bassins}}


def check_commitments(form: Form) -> dict[str, Any]:
    """(f) Consents (image rights, surveys) and the charter in the version read."""
    version = form.text("charter_version")
    accepted = form.checked("charter")
    if not accepted:
        form.fail(
            "charter",
            "Cochez la case pour accepter la charte : c'est la condition pour devenir ambassadeur.",
        )
    return {
        "consents": {
            "image_rights": form.checked("image_rights"),
            "surveys": form.checked("surveys"),
        },
        "charter_version": version,
        "charter_accepted": accepted,
    }


# --- where an API refusal belongs -----------------------------------------------------------

_FIELDS: dict[str, tuple[Step, str]] = {
    "profile": (PROFILE, "profile"),
    "first_name": (IDENTITY, "first_name"),
    "last_name": (IDENTITY, "last_name"),
    "email": (IDENTITY, "email"),
    "phone": (IDENTITY, "phone"),
    "postcode": (IDENTITY, "postcode"),
    "city": (IDENTITY, "city"),
    "job.title": (ACTIVITY, "job_title"),
    "job.sector": (ACTIVITY, "sector"),
    "job.employment": (ACTIVITY, "employment"),
    "job.employer": (ACTIVITY, "employer"),
    "job.employer_agreement": (ACTIVITY, "employer_agreement"),
    "job": (ACTIVITY, "job_title"),
    "training.name": (ACTIVITY, "training_name"),
    "training.level": (ACTIVITY, "training_level"),
    "training.establishment": (ACTIVITY, "training_establishment"),
    "training": (ACTIVITY, "training_name"),
    "background": (ACTIVITY, "background"),
    "interventions": (INTERVENTIONS, "interventions"),
    "online": (INTERVENTIONS, "online"),
    "zone": (ZONE, "departments"),
    "zone.departments": (ZONE, "departments"),
    "zone.bassins": (ZONE, "bassins"),
    "charter_version": (COMMITMENTS, "charter"),
    "charter_accepted": (COMMITMENTS, "charter"),
    "consents": (COMMITMENTS, "image_rights"),
    "consents.image_rights": (COMMITMENTS, "image_rights"),
    "consents.surveys": (COMMITMENTS, "surveys"),
}
_CODES: dict[str, tuple[Step, str]] = {
    "charter_outdated": (COMMITMENTS, "charter"),
    "charter_not_accepted": (COMMITMENTS, "charter"),
    "email_taken": (IDENTITY, "email"),
}


def place_of_field(path: str) -> tuple[Step, str] | None:
    """The step and form field an API field path (``job.title``, ``zone.bassins.0``) is on."""
    parts = [part for part in path.split(".") if not part.isdigit()]
    while parts:
        found = _FIELDS.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return None


def place_of_code(code: str) -> tuple[Step, str] | None:
    """The step and form field a refusal's code is about."""
    return _CODES.get(code)


# --- the check of answers -----------------------------------------------------------------

SummaryRow = tuple[str, str, str | None, str]


def summary_rows(draft: Draft, reference: Reference) -> list[tuple[Step, list[SummaryRow]]]:
    """« Vérifiez vos réponses »: each step's answers, with the way back to change them."""
    identity = draft.part(IDENTITY)
    activity = draft.part(ACTIVITY)
    zone = draft.part(ZONE).get("zone", {})
    commitments = draft.part(COMMITMENTS)
    consents = commitments.get("consents", {})

    def row(step: Step, key: str, value: str) -> SummaryRow:
        return (key, value or "Non renseigné", step.path, key.lower())

    sections: list[tuple[Step, list[SummaryRow]]] = [
        (PROFILE, [row(PROFILE, "Profil", _label(PROFILES, draft.profile or ""))]),
        (
            IDENTITY,
            [
                row(
                    IDENTITY,
                    "Nom",
                    f"{identity.get('first_name', '')} {identity.get('last_name', '')}",
                ),
                row(IDENTITY, "Adresse e-mail", identity.get("email", "")),
                row(IDENTITY, "Téléphone", identity.get("phone") or ""),
                row(
                    IDENTITY,
                    "Commune",
                    f"{identity.get('postcode', '')} {identity.get('city', '')}",
                ),
            ],
        ),
    ]
    job = activity.get("job")
    training = activity.get("training")
    rows: list[SummaryRow] = []
    if job:
        rows += [
            row(
                ACTIVITY,
                "Secteur",
                reference.sectors.get(job.get("sector", ""), job.get("sector", "")),
            ),
            row(ACTIVITY, "Métier", job.get("title", "")),
            row(ACTIVITY, "Situation", _label(EMPLOYMENTS, job.get("employment") or "")),
            row(ACTIVITY, "Employeur ou entreprise", job.get("employer") or ""),
        ]
        if job.get("employment") == "employee":
            rows.append(
                row(
                    ACTIVITY,
                    "Accord de l'employeur",
                    "Oui" if job.get("employer_agreement") else "Non",
                )
            )
    elif training:
        rows += [
            row(ACTIVITY, "Formation", training.get("name", "")),
            row(ACTIVITY, "Niveau", training.get("level", "")),
            row(ACTIVITY, "Établissement", training.get("establishment", "")),
        ]
    rows.append(row(ACTIVITY, "Parcours", activity.get("background", "")))
    sections.append((ACTIVITY, rows))
    kinds = "\n".join(
        _label(KINDS, kind) for kind in draft.part(INTERVENTIONS).get("interventions", [])
    )
    online = "Oui" if draft.part(INTERVENTIONS).get("online") else "Non"
    sections.append(
        (
            INTERVENTIONS,
            [
                row(INTERVENTIONS, "Interventions", kinds),
                row(INTERVENTIONS, "Aussi à distance", online),
            ],
        )
    )
    places = [
        f"{reference.departments.get(code, code)} ({code})" for code in zone.get("departments", [])
    ]
    bassins = [reference.bassins.get(slug, slug) for slug in zone.get("bassins", [])]
    sections.append(
        (
            ZONE,
            [
                row(ZONE, "Départements", "\n".join(places) or "Aucun"),
                row(ZONE, "Bassins du Nord", "\n".join(bassins) or "Aucun"),
            ],
        )
    )
    sections.append(
        (
            COMMITMENTS,
            [
                row(
                    COMMITMENTS, "Droit à l'image", "Oui" if consents.get("image_rights") else "Non"
                ),
                row(
                    COMMITMENTS,
                    "Enquêtes d'évaluation",
                    "Oui" if consents.get("surveys") else "Non",
                ),
                row(
                    COMMITMENTS,
                    "Charte de l'ambassadeur",
                    f"Acceptée (version {commitments.get('charter_version', '')})",
                ),
            ],
        )
    )
    return sections


# --- educational staff ------------------------------------------------------------------------


def check_staff(form: Form) -> dict[str, Any]:
    """The staff member's name, email, phone and position (the establishment is chosen before)."""
    return {
        "first_name": form.required("first_name", "Indiquez votre prénom.", max_length=80),
        "last_name": form.required("last_name", "Indiquez votre nom.", max_length=80),
        "email": form.email("email", empty="Indiquez votre adresse e-mail professionnelle."),
        "phone": form.phone("phone"),
        "position": form.required(
            "position",
            "Indiquez votre fonction, par exemple professeur principal ou CPE.",
            max_length=120,
        ),
    }


def establishment_part(found: Mapping[str, Any]) -> dict[str, str]:
    """What ``POST /staff`` takes of a reference establishment."""
    return {key: str(found[key]) for key in ("uai", "name", "city", "postcode")}


# --- partner organisations --------------------------------------------------------------------


def check_partner_request(form: Form) -> dict[str, Any]:
    """An organisation's request to become a partner."""
    name = form.required(
        "organization_name", "Indiquez le nom de votre organisation.", max_length=160
    )
    siret = form.text("siret").replace(" ", "")
    if siret and (len(siret) != 14 or not siret.isdigit()):
        form.fail("siret", "Indiquez un SIRET de 14 chiffres, ou laissez le champ vide.")
    contact = form.required("contact_name", "Indiquez votre prénom et votre nom.", max_length=160)
    email = form.email("email", empty="Indiquez votre adresse e-mail professionnelle.")
    phone = form.phone("phone")
    message = form.optional("message", max_length=2000) or ""
    return {
        "organization_name": name,
        "siret": siret or None,
        "contact_name": contact,
        "email": email,
        "phone": phone,
        "sponsorship": form.checked("sponsorship"),
        "message": message,
    }


PARTNER_FIELDS = {
    "organization_name": "organization_name",
    "siret": "siret",
    "contact_name": "contact_name",
    "email": "email",
    "phone": "phone",
    "message": "message",
    "sponsorship": "sponsorship",
}
STAFF_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "position": "position",
}
