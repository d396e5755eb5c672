"""Reference look-ups of the sign-up forms: establishments, job titles, and the import of
the Ministry's « Annuaire de l'éducation » that feeds the establishments."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from services.accounts.api.reference_models import EstablishmentKind
from services.accounts.domain.establishments import KINDS, parse_establishments
from services.accounts.domain.word_index import words
from shared.reference.places import read_bassins
from tests.accounts.conftest import Client, Serve

ROOT = Path(__file__).resolve().parents[2]
# Fictional establishments of the shipped sample (data/establishments.csv).
FAUBOURG = "0599101X"  # Lycée du Faubourg, Lille
TERRILS = "0599120T"  # Collège des Terrils, Sin-le-Noble: bassin du Douaisis
CITADELLE = "0809102J"  # Collège de la Citadelle, Amiens


async def establishments(client: Client, **params: str) -> Any:
    answer = await client.call("GET", "/establishments", params=params)
    assert answer.status == 200, answer.body
    return answer.body


async def names(client: Client, q: str, **params: str) -> list[str]:
    return [item["name"] for item in (await establishments(client, q=q, **params))["items"]]


async def every_page(client: Client, path: str, **params: str) -> list[dict[str, Any]]:
    """Every item of a list, following ``next_cursor`` page after page."""
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        answer = await client.call("GET", path, params={**params, "cursor": cursor})
        assert answer.status == 200, answer.body
        items.extend(answer.body["items"])
        cursor = answer.body["next_cursor"]
        if cursor is None:
            return items


async def test_establishments_are_found_by_the_start_of_words_of_name_and_town(
    serve: Serve,
) -> None:
    async with serve() as client:
        typed = await establishments(client, q="lycee faub lille")
        by_name = await names(client, "tisserands")
        by_kind_and_town = await names(client, "cio amiens")
        by_postcode = await names(client, "80000")
        nothing = await names(client, "lycee faub amiens")
    [faubourg] = typed["items"]
    assert faubourg == {
        "uai": FAUBOURG,
        "name": "Lycée du Faubourg",
        "kind": "lycée",
        "sector": "public",
        "postcode": "59000",
        "city": "Lille",
        "department": "59",
        "bassin": "lille-centre",
    }
    assert typed["next_cursor"] is None
    assert by_name == ["Collège des Tisserands"]
    assert by_kind_and_town == ["CIO d'Amiens"]
    assert set(by_postcode) == {
        "CIO d'Amiens",
        "Collège de la Citadelle",
        "Lycée des Hortillonnages",
    }
    assert nothing == []


async def test_a_town_comes_before_the_towns_whose_name_it_begins(serve: Serve) -> None:
    async with serve() as client:
        found = (await establishments(client, q="lille"))["items"]
    towns = [item["city"] for item in found]
    assert towns[0] == "Lille"
    assert "Lillers" in towns
    assert towns.index("Lillers") > max(i for i, town in enumerate(towns) if town == "Lille")
    # Within Lille, an establishment named after the town comes first.
    assert found[0]["name"] == "CIO de Lille Centre"


async def test_a_uai_typed_exactly_in_any_case_comes_first(serve: Serve) -> None:
    async with serve() as client:
        upper = await names(client, FAUBOURG)
        lower = await names(client, FAUBOURG.lower())
        spaced = await names(client, f"  {FAUBOURG.lower()} ")
        start = (await establishments(client, q=FAUBOURG[:5], limit="100"))["items"]
    assert upper == lower == spaced == ["Lycée du Faubourg"]
    assert {item["uai"][:5] for item in start} == {FAUBOURG[:5]}
    assert FAUBOURG in {item["uai"] for item in start}
    assert len(start) > 1


async def test_accents_case_and_abbreviations_are_ignored(serve: Serve) -> None:
    async with serve() as client:
        plain = await names(client, "college des terrils")
        shouted = await names(client, "COLLÈGE DES TERRILS")
        wrongly_accented = await names(client, "collége dès térrils")
        accented_name = await names(client, "etangs")
        saint = await names(client, "saint eloi")
        abbreviated = await names(client, "st-éloi")
        town_with_saint = await names(client, "st omer")
    assert plain == shouted == wrongly_accented == ["Collège des Terrils"]
    assert accented_name == ["Collège des Étangs de la Haute-Somme"]
    assert saint == abbreviated == ["Collège privé Saint-Éloi"]
    assert town_with_saint == ["Collège de l'Audomarois"]


async def test_pages_walk_every_match_once_in_the_order_of_one_long_page(serve: Serve) -> None:
    async with serve() as client:
        walked = await every_page(client, "/establishments", q="college", limit="4")
        whole = await establishments(client, q="college", limit="100")
        everything = await every_page(client, "/establishments", limit="7")
        first = await establishments(client, q="college", limit="4")
    assert [item["uai"] for item in walked] == [item["uai"] for item in whole["items"]]
    assert whole["next_cursor"] is None
    assert len(walked) > 20
    assert all(item["kind"] == "collège" for item in walked)
    assert len(first["items"]) == 4
    assert first["next_cursor"] is not None
    # Without words: every establishment once, by name.
    uais = [item["uai"] for item in everything]
    assert len(uais) == len(set(uais)) >= 60
    listed_names = [item["name"] for item in everything]
    assert listed_names.index("CIO d'Amiens") < listed_names.index("Lycée du Faubourg")


async def test_the_sample_covers_every_department_and_every_bassin_of_the_nord(
    serve: Serve,
) -> None:
    async with serve() as client:
        everything = await every_page(client, "/establishments", limit="100")
        territory = (await client.call("GET", "/territory")).body
    departments = {place["code"] for place in territory["departments"]}
    bassins = {place["code"] for place in territory["bassins"]}
    assert {item["department"] for item in everything} == departments
    nord = [item for item in everything if item["department"] == "59"]
    assert {item["bassin"] for item in nord} == bassins
    assert all(item["bassin"] is None for item in everything if item["department"] != "59")
    assert all(item["uai"][:3] == "0" + item["department"] for item in everything)
    assert {item["kind"] for item in everything} >= {"collège", "lycée", "CIO", "EREA"}
    assert {item["sector"] for item in everything} == {"public", "privé"}


async def test_one_establishment_by_uai_with_its_bassin_from_the_reference_data(
    serve: Serve,
) -> None:
    async with serve() as client:
        nord = await client.call("GET", f"/establishments/{TERRILS}")
        lower_case = await client.call("GET", f"/establishments/{TERRILS.lower()}")
        somme = await client.call("GET", f"/establishments/{CITADELLE}")
        unknown = await client.call("GET", "/establishments/0599999Z")
        malformed = await client.call("GET", "/establishments/lycee")
    assert nord.status == 200
    assert nord.body["name"] == "Collège des Terrils"
    assert nord.body["city"] == "Sin-le-Noble"
    assert (nord.body["department"], nord.body["bassin"]) == ("59", "douaisis")
    assert lower_case.body == nord.body
    assert somme.status == 200
    assert (somme.body["department"], somme.body["bassin"]) == ("80", None)
    for answer in (unknown, malformed):
        assert answer.status == 404
        assert answer.error_code == "establishment_not_found"
        assert "code UAI" in answer.message


async def test_malformed_queries_are_refused_with_400(serve: Serve) -> None:
    async with serve() as client:
        answers = {
            "limit 0": await client.call("GET", "/establishments", params={"limit": "0"}),
            "limit 101": await client.call("GET", "/establishments", params={"limit": "101"}),
            "limit words": await client.call("GET", "/establishments", params={"limit": "dix"}),
            "q too long": await client.call("GET", "/establishments", params={"q": "a" * 101}),
            "jobs limit": await client.call("GET", "/jobs", params={"limit": "500"}),
            "jobs sector": await client.call("GET", "/jobs", params={"sector": "cuisine"}),
        }
        cursors = {
            "garbage": await client.call("GET", "/establishments", params={"cursor": "xyz"}),
            "jobs cursor": await client.call(
                "GET", "/establishments", params={"cursor": (await _jobs_cursor(client))}
            ),
        }
    for name, answer in answers.items():
        assert answer.status == 400, name
        assert answer.error_code == "invalid_request", name
    assert "sector" in answers["jobs sector"].message
    for name, answer in cursors.items():
        assert answer.status == 400, name
        assert answer.error_code == "invalid_cursor", name


async def _jobs_cursor(client: Client) -> str:
    answer = await client.call("GET", "/jobs", params={"limit": "1"})
    return str(answer.body["next_cursor"])


async def test_jobs_of_each_sector_are_a_short_list_in_french(serve: Serve) -> None:
    async with serve() as client:
        sectors = (await client.call("GET", "/sectors")).body
        per_sector = {
            sector["slug"]: await every_page(client, "/jobs", sector=sector["slug"])
            for sector in sectors
        }
    assert len(per_sector) == 19
    for sector in sectors:
        titles = per_sector[sector["slug"]]
        assert 8 <= len(titles) <= 15, sector["slug"]
        assert {item["sector"] for item in titles} == {sector["slug"]}
        assert {item["sector_name"] for item in titles} == {sector["name"]}
    health = [item["title"] for item in per_sector["sante"]]
    assert "Infirmier / Infirmière" in health
    assert health == sorted(health, key=words)


async def test_jobs_are_found_by_the_start_of_their_words_then_by_sector(serve: Serve) -> None:
    async with serve() as client:
        elec = (await client.call("GET", "/jobs", params={"q": "elec"})).body
        elec_energy = await client.call("GET", "/jobs", params={"q": "élec", "sector": "energie"})
        nurse = (await client.call("GET", "/jobs", params={"q": "INFIRMIERE"})).body
        health = (await client.call("GET", "/jobs", params={"q": "santé", "limit": "100"})).body
        walked = await every_page(client, "/jobs", q="technicien", limit="3")
        whole = (await client.call("GET", "/jobs", params={"q": "technicien", "limit": "100"})).body
    first = elec["items"][0]
    assert first == {
        "title": "Électricien / Électricienne",
        "sector": "batiment-travaux-publics",
        "sector_name": "Bâtiment et travaux publics",
    }
    assert "Électrotechnicien / Électrotechnicienne" in [item["title"] for item in elec["items"]]
    assert [item["title"] for item in elec_energy.body["items"]] == [
        "Monteur / Monteuse de réseaux électriques"
    ]
    assert [item["title"] for item in nurse["items"]] == ["Infirmier / Infirmière"]
    assert {item["sector"] for item in health["items"]} == {"sante"}
    assert [item["title"] for item in walked] == [item["title"] for item in whole["items"]]
    assert len(walked) > 10


async def test_openapi_documents_the_reference_routes_open_to_anyone(serve: Serve) -> None:
    async with serve() as client:
        document = (await client.call("GET", "/openapi.json")).body
    validate(document)
    paths = document["paths"]
    routes = {
        "/establishments": {"q", "limit", "cursor"},
        "/establishments/{uai}": {"uai"},
        "/jobs": {"q", "sector", "limit", "cursor"},
    }
    for path, parameters in routes.items():
        operation = paths[path]["get"]
        assert {parameter["name"] for parameter in operation["parameters"]} == parameters, path
        assert "security" not in operation, path
        assert "Accessible sans compte" in operation["description"], path
        assert "200" in operation["responses"], path
    assert "404" in paths["/establishments/{uai}"]["get"]["responses"]
    assert "400" in paths["/establishments"]["get"]["responses"]
    schema = document["components"]["schemas"]["ReferenceEstablishment"]
    assert set(schema["properties"]) == {
        "uai",
        "name",
        "kind",
        "sector",
        "postcode",
        "city",
        "department",
        "bassin",
    }


def test_every_kind_the_data_can_give_is_one_the_api_declares() -> None:
    assert set(KINDS) == set(typing.get_args(EstablishmentKind))


# --- the import of the Annuaire de l'éducation --------------------------------------

HEADER = (
    "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;"
    "Statut_public_prive;Adresse_1;Code_postal;Code_commune;Nom_commune;"
    "Code_departement;Libelle_departement;libelle_nature;etat"
)
ANNUAIRE_ROWS = [
    # Kept: a collège of the Nord, in a commune of the bassins table.
    "0599001G;Collège des Essais;Collège;Public;1 rue Haute;59450;59569;Sin-le-Noble;"
    "059;Nord;COLLEGE;OUVERT",
    # Kept: a private LP of the Somme; an EREA of the Oise; a CIO of the Aisne whose
    # postcode lost its leading zero in a spreadsheet.
    "0809001C;Lycée professionnel d'Essai;Lycée;Privé;2 place;80000;80021;Amiens;"
    "080;Somme;LYCEE PROFESSIONNEL;OUVERT",
    "0609001H;EREA des Essais;EREA;Public;3 allée;60200;60159;Compiègne;"
    "060;Oise;ETAB REGIONAL/LYCEE ENSEIGNEMENT ADAPTE;OUVERT",
    "0029001E;CIO d'Essai;Information et orientation;Public;4 rue;2100;02691;"
    "Saint-Quentin;002;Aisne;CENTRE D INFORMATION ET D ORIENTATION;OUVERT",
    # Kept without bassin: a Nord commune the bassins table does not know.
    "0599002H;Collège du Bout du Monde;Collège;Public;5 rue;59999;59999;Bourg-Imaginaire;"
    "059;Nord;COLLEGE;OUVERT",
    # Dropped: outside the region.
    "0751234X;Lycée de Paris;Lycée;Public;1 rue;75005;75105;Paris;075;Paris;"
    "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE;OUVERT",
    # Dropped: kinds the programme does not deal with.
    "0599003J;École des Essais;Ecole;Public;1 rue;59000;59350;Lille;059;Nord;"
    "ECOLE DE NIVEAU ELEMENTAIRE;OUVERT",
    "0599004K;IME des Essais;Médico-social;Privé;1 rue;59000;59350;Lille;059;Nord;"
    "INSTITUT MEDICO-EDUCATIF;OUVERT",
    "0599005L;SEGPA du collège des Essais;Collège;Public;1 rue;59450;59569;Sin-le-Noble;"
    "059;Nord;SECTION ENSEIGNT GEN. ET PROF. ADAPTE;OUVERT",
    # Dropped: closed.
    "0599006M;Collège fermé;Collège;Public;1 rue;59000;59350;Lille;059;Nord;COLLEGE;FERME",
    # Dropped: a malformed UAI, and the same UAI twice.
    "59;Collège sans code;Collège;Public;1 rue;59000;59350;Lille;059;Nord;COLLEGE;OUVERT",
    "0599001G;Collège des Essais (doublon);Collège;Public;1 rue;59450;59569;Sin-le-Noble;"
    "059;Nord;COLLEGE;OUVERT",
]
BASSINS = "code_postal;commune;bassin\n59450;Sin-le-Noble;douaisis\n59000;Lille;lille-centre\n"


def run_import(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # the command as an operator types it
        [
            sys.executable,
            "-m",
            "services.accounts.cli",
            "import-establishments",
            *map(str, arguments),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_import_keeps_the_open_establishments_of_the_region_that_matter(tmp_path: Path) -> None:
    source = tmp_path / "fr-en-annuaire-education.csv"
    source.write_text("\ufeff" + "\n".join([HEADER, *ANNUAIRE_ROWS]) + "\n", encoding="utf-8")
    bassins = tmp_path / "bassins.csv"
    bassins.write_text(BASSINS, encoding="utf-8")
    output = tmp_path / "data"

    result = run_import(source, "--bassins", bassins, "--output-dir", output)

    assert result.returncode == 0, result.stderr
    written = (output / "establishments.csv").read_text("utf-8").splitlines()
    assert written[0] == (
        "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;"
        "Statut_public_prive;Code_postal;Nom_commune;Code_departement;libelle_nature"
    )
    assert [line.split(";")[0] for line in written[1:]] == [
        "0029001E",
        "0599001G",
        "0599002H",
        "0609001H",
        "0809001C",
    ]
    assert (output / "bassins_nord.csv").read_text("utf-8") == BASSINS
    loaded = {
        item.uai: item for item in parse_establishments(written, read_bassins(BASSINS.splitlines()))
    }
    assert loaded["0599001G"].name == "Collège des Essais"
    assert loaded["0599001G"].bassin == "douaisis"
    assert loaded["0599002H"].bassin is None
    assert (loaded["0029001E"].kind, loaded["0029001E"].postcode) == ("CIO", "02100")
    assert (loaded["0609001H"].kind, loaded["0609001H"].department) == ("EREA", "60")
    assert (loaded["0809001C"].kind, loaded["0809001C"].sector) == ("lycée professionnel", "privé")
    report = result.stdout
    assert "Établissements retenus : 5" in report
    assert "hors des Hauts-de-France 1" in report
    assert "d'un autre type (écoles, médico-social, services…) 3" in report
    assert "fermés 1" in report
    assert "lignes invalides 1" in report
    assert "doublons 1" in report
    assert "59999 Bourg-Imaginaire" in report


def test_import_reads_lower_case_comma_separated_exports(tmp_path: Path) -> None:
    source = tmp_path / "annuaire.csv"
    source.write_text(
        "identifiant_de_l_etablissement,nom_etablissement,type_etablissement,"
        "statut_public_prive,code_postal,nom_commune,code_departement\n"
        '0629001P,"Lycée d\'Essai, Arras",Lycée,Public,62000,Arras,062\n',
        encoding="utf-8",
    )

    result = run_import(source, "--output-dir", tmp_path)

    assert result.returncode == 0, result.stderr
    [_, row] = (tmp_path / "establishments.csv").read_text("utf-8").splitlines()
    assert row == "0629001P;Lycée d'Essai, Arras;Lycée;Public;62000;Arras;062;"


def test_import_refuses_a_bassin_table_naming_an_unknown_bassin(tmp_path: Path) -> None:
    source = tmp_path / "annuaire.csv"
    source.write_text("\n".join([HEADER, *ANNUAIRE_ROWS[:2]]) + "\n", encoding="utf-8")
    bassins = tmp_path / "bassins.csv"
    bassins.write_text("code_postal;commune;bassin\n59450;Sin-le-Noble;lille-nord\n", "utf-8")
    missing_columns = tmp_path / "bad.csv"
    missing_columns.write_text("Identifiant_de_l_etablissement;Nom_etablissement\n", "utf-8")

    wrong_bassin = run_import(source, "--bassins", bassins, "--output-dir", tmp_path)
    wrong_layout = run_import(missing_columns, "--output-dir", tmp_path)

    assert wrong_bassin.returncode != 0
    assert "lille-nord" in wrong_bassin.stderr
    assert wrong_layout.returncode != 0
    assert "Code_postal" in wrong_layout.stderr
    assert not (tmp_path / "establishments.csv").exists()
