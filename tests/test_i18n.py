"""Answers in Finnish and Swedish: every message is in the catalogues, none slips past them, and clients get them."""

import ast
import json
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api.i18n import LANGUAGES, catalogue_path
from tests import payloads

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [language for language in LANGUAGES if language != LANGUAGES[0]]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}


def _extracted() -> dict[str, list[str]]:
    """Every msgid of the code (and of the libraries we translate), with the places it is written."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    places: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        places.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return places


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


def _catalogue(language: str):
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _placeholders(text: str) -> set[str]:
    """`%(name)s` placeholders, and marshmallow's `{name}` ones."""
    named = set(re.findall(r"%\((\w+)\)", text))
    try:
        braces = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    except ValueError:
        braces = set()
    return named | braces


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation(extracted, language):
    """Fails naming each message without a (checked, non-fuzzy) translation and where the code writes it.

    To fix: see docs/development.md, "Messages in Finnish and Swedish" (pybabel extract, then update).
    """
    catalogue = _catalogue(language)
    missing = []
    for msgid, places in sorted(extracted.items()):
        entry = catalogue.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"  {', '.join(places)}: {msgid!r}")
    assert not missing, f"{len(missing)} messages have no {language} translation in {catalogue_path(language).relative_to(ROOT)}:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_use_only_the_placeholders_of_their_message(language):
    """A translation may leave a value out, but a placeholder its message lacks would fail at run time."""
    wrong = []
    for entry in _catalogue(language):
        if entry.id and entry.string and not _placeholders(entry.string) <= _placeholders(entry.id):
            wrong.append(f"  {entry.id!r} → {entry.string!r}")
    assert not wrong, "Translations with placeholders their message lacks:\n" + "\n".join(wrong)


# Calls whose arguments are messages to users, and which arguments: positions and keywords.
MESSAGE_ARGUMENTS = {
    "ValidationError": ((0,), ()),
    "invalid": ((1,), ()),
    "conflict": ((1,), ()),
    "abort": ((1,), ("message", "description")),
    "abort_with": ((1,), ("message",)),
    "problem": ((1,), ("detail", "title")),
    "unauthorized": ((0,), ()),
    **{
        name: ((0,), ("description",))
        for name in (
            "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Gone", "NotAcceptable", "UnsupportedMediaType",
            "RequestEntityTooLarge", "PreconditionFailed", "PreconditionRequired",
        )
    },
    **{
        name: ((0,), ())
        for name in (
            "CellError", "UnreadableTable", "UnreadableFile", "InvalidBusinessId", "InvalidIndustryCode", "InvalidPhoneNumber",
            "AmbiguousLocalTime", "RefusedUrl", "TooDeeplyNested", "ImportRejected",
        )
    },
}
# The import command's output follows the locale; the other commands speak English to operators.
FILE_MESSAGE_ARGUMENTS = {"api/cli/imports.py": {"echo": ((0,), ()), "ClickException": ((0,), ()), "warn": ((0,), ())}}
TRANSLATING = {"_", "lazy_gettext"}
# Any call with this keyword argument takes a message (marshmallow's validators).
MESSAGE_KEYWORDS = {"error"}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _untranslated(node: ast.expr):
    """The text literals in an argument that reach the user without passing through `_`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr):
        yield node
    elif isinstance(node, ast.BinOp):
        yield from _untranslated(node.left)
        yield from _untranslated(node.right)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _untranslated(value)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for item in node.elts:
            yield from _untranslated(item)
    elif isinstance(node, ast.DictComp):
        yield from _untranslated(node.value)
    elif isinstance(node, ast.ListComp | ast.SetComp):
        yield from _untranslated(node.elt)
    elif isinstance(node, ast.IfExp):
        yield from _untranslated(node.body)
        yield from _untranslated(node.orelse)


def lint(source: str, path: str = "api/module.py") -> list[str]:
    """Messages passed to message-producing calls without `_`, and `_` given anything but one literal."""
    problems = []
    calls = {**MESSAGE_ARGUMENTS, **FILE_MESSAGE_ARGUMENTS.get(path, {})}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in TRANSLATING:
            if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
                problems.append(f"{path}:{node.lineno}: {name}() needs one string literal (with %(name)s placeholders), not {ast.unparse(node.args[0]) if node.args else 'nothing'}")
            continue
        positions, keywords = calls.get(name, ((), ()))
        arguments = [node.args[i] for i in positions if i < len(node.args)]
        arguments += [keyword.value for keyword in node.keywords if keyword.arg in keywords or keyword.arg in MESSAGE_KEYWORDS]
        for argument in arguments:
            for literal in _untranslated(argument):
                problems.append(f"{path}:{literal.lineno}: {name}(…) is given {ast.unparse(literal)[:100]} without _()")
    return problems


def test_no_message_reaches_users_untranslated():
    """Fails naming each file:line where a message is written without `_()` (or `lazy_gettext()` at module level)."""
    problems = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("api/seed/") or relative == "api/i18n.py":  # data, and the translating itself
            continue
        problems += lint(path.read_text(encoding="utf-8"), relative)
    assert not problems, "Untranslated messages (wrap them in _() from api.i18n):\n" + "\n".join(problems)


def test_the_lint_finds_untranslated_messages():
    source = '''
raise ma.ValidationError("Not wrapped.")
raise ma.ValidationError(f"Not {wrapped}.", "field")
invalid("field", "Not wrapped either.")
abort(409, message="Nor this.")
ma.validate.Regexp(r"x", error="Nor a validator's.")
raise ma.ValidationError({"field": ["Nor in a dict."]})
_(f"Formatted {before} translation.")
raise ma.ValidationError(_("Wrapped."), "field")
problem(404, _("Wrapped, %(what)s.", what=thing))
'''
    found = lint(source)
    assert [problem.split(":")[1] for problem in found] == ["2", "3", "4", "5", "6", "7", "8"], found


LANGUAGE_HEADERS = {
    "en": {},
    "fi": {"Accept-Language": "fi"},
    "sv": {"Accept-Language": "sv"},
}
BAD_COMPANY = {"business_id": "1234567-8", "name": "", "postal_code": "1", "founded_year": "vuosi", "colour": "red"}


def _problem(answer, status: int, language: str) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    assert answer.headers["Content-Language"] == language
    assert "Accept-Language" in answer.vary
    return answer.get_json()


def test_a_bad_company_is_answered_in_the_readers_language(client):
    answers = {
        language: _problem(client.post("/api/v1/companies", json=BAD_COMPANY, headers=headers), 422, language)
        for language, headers in LANGUAGE_HEADERS.items()
    }
    en, fi, sv = answers["en"], answers["fi"], answers["sv"]
    assert set(en["errors"]) == {"business_id", "name", "postal_code", "founded_year", "colour"}
    for body in answers.values():
        assert body["type"] == "/problems/validation-error"
        assert set(body["errors"]) == set(en["errors"])
    assert en["title"] == "Unprocessable Entity" or en["title"] == "Unprocessable Content"
    assert (fi["title"], sv["title"]) == ("Käsittelykelvoton sisältö", "Innehållet kan inte behandlas")
    assert fi["detail"].startswith("Pyynnössä on virheellisiä kenttiä: ") and sv["detail"].startswith("Begäran har ogiltiga fält: ")
    assert fi["detail"].split(": ")[1] == en["detail"].split(": ")[1]  # the field names stay as they are
    assert en["errors"]["colour"] == ["Unknown field."]
    assert (fi["errors"]["colour"], sv["errors"]["colour"]) == (["Tuntematon kenttä."], ["Okänt fält."])
    assert fi["errors"]["founded_year"] == ["Ei ole kelvollinen kokonaisluku."]
    assert fi["errors"]["postal_code"] == ["Postinumero on viisi numeroa, esimerkiksi 43500."]
    assert (fi["errors"]["name"], sv["errors"]["name"]) == (["Ei saa olla tyhjä."], ["Får inte vara tomt."])
    assert fi["errors"]["business_id"][0].startswith("Ei ole kelvollinen Y-tunnus (tunnuksen tarkistusnumero on väärä)")
    assert sv["errors"]["business_id"][0].startswith("Inte ett giltigt finskt FO-nummer (nummerns kontrollsiffra är felaktig)")
    for field, messages in en["errors"].items():
        assert fi["errors"][field] != messages and sv["errors"][field] != messages, field


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("fi-FI,fi;q=0.9", "fi"), ("fi-FI,fi;q=0.9,en-US;q=0.8,en;q=0.7", "fi"), ("sv-FI", "sv"), ("de-DE,de;q=0.9", "en"),
        ("en-GB", "en"), ("*", "en"), ("de, sv;q=0.5", "sv"), ("sv, fi", "sv"), ("fi, sv", "fi"), ("en;q=0.1, sv;q=0.5, fi;q=0.3", "sv"),
        ("fi;q=0, sv;q=0.2", "sv"), ("FI", "fi"), ("zh-Hant-TW", "en"), (";;;", "en"),
    ],
)
def test_language_tags_and_preferences(anonymous, accept_language, language):
    answer = anonymous.get("/api/v1/companies/no-such-company", headers={"Accept-Language": accept_language})
    body = _problem(answer, 404, language)
    assert body["title"] == {"en": "Not Found", "fi": "Ei löytynyt", "sv": "Hittades inte"}[language]


def test_a_query_parameter_422_in_finnish(anonymous):
    body = _problem(anonymous.get("/api/v1/companies?municipality=12&near=99,1", headers={"Accept-Language": "fi"}), 422, "fi")
    assert body["errors"]["municipality.0"] == ["Kuntanumero on kolme numeroa, esimerkiksi 226."]
    assert body["errors"]["near"] == ["lat: arvon on oltava välillä -90…90."]
    assert body["type"] == "/problems/validation-error"


def test_404_401_403_412_and_428_in_finnish_and_swedish(client, anonymous, partner):
    created = client.post("/api/v1/companies", json=payloads.company())
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/companies/{created.get_json()['id']}"
    stale = client.put(url, json=payloads.company(), headers={"If-Match": '"stale"', "Accept-Language": "fi"})
    assert _problem(stale, 412, "fi")["title"] == "Ennakkoehto ei täyttynyt"
    assert stale.get_json()["detail"].startswith("Tietue on muuttunut lukemisesi jälkeen")
    assert _problem(client.put(url, json=payloads.company(), headers={"Accept-Language": "sv"}), 428, "sv")["detail"].startswith(
        "Den här ändringen kräver ett If-Match-huvud"
    )
    unauthenticated = anonymous.delete(url, headers={"Accept-Language": "fi"})
    assert _problem(unauthenticated, 401, "fi")["detail"].startswith("Tämä toiminto vaatii API-avaimen")
    assert unauthenticated.headers["WWW-Authenticate"].startswith("Bearer")
    forbidden = partner.delete(url, headers={"Accept-Language": "sv"})
    assert _problem(forbidden, 403, "sv")["title"] == "Åtkomst nekad"
    assert "har rollen partner" in forbidden.get_json()["detail"]
    missing = anonymous.get("/api/v1/events/0", headers={"Accept-Language": "sv"})
    assert _problem(missing, 404, "sv")["detail"] == "Det finns inget evenemang med id 0."
    assert _problem(anonymous.get("/api/v1/no-such-resource", headers={"Accept-Language": "fi"}), 404, "fi")["detail"].startswith(
        "Pyydettyä osoitetta ei löytynyt"
    )


def test_429_in_finnish(app, anonymous, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ANONYMOUS", "1/minute")
    assert anonymous.get("/api/v1/municipalities").status_code == 200
    refused = anonymous.get("/api/v1/municipalities", headers={"Accept-Language": "fi"})
    body = _problem(refused, 429, "fi")
    assert body["title"] == "Liian monta pyyntöä"
    assert body["detail"].startswith("Liian monta pyyntöä: tämä asiakas saa tehdä 1 pyyntöä 1 minuutin aikana.")
    assert refused.headers["Retry-After"]


def test_answers_without_text_are_not_marked(anonymous):
    """A list has no message in it: no Content-Language, and caches need not keep a copy per language."""
    answer = anonymous.get("/api/v1/municipalities", headers={"Accept-Language": "fi"})
    assert answer.status_code == 200
    assert "Content-Language" not in answer.headers and "Accept-Language" not in answer.vary


def test_an_import_reports_rows_in_finnish(client):
    csv = "business_id;name;postal_code;growth_seeking\n0112038-9;Sahat Oy;43500;ehkä\n"
    answer = client.post("/api/v1/companies/import", data=csv.encode(), content_type="text/csv", headers={"Accept-Language": "fi"})
    body = _problem(answer, 422, "fi")
    assert body["detail"] == "1 rivi on virheellinen; mitään ei tallennettu."
    assert body["errors"] == [
        {"row": 2, "field": "growth_seeking", "message": "Ei ole kyllä/ei-arvo: kirjoita TOSI tai EPÄTOSI (myös kyllä/ei, true/false, 1/0)."}
    ]


def test_the_import_command_follows_the_locale(runner, tmp_path):
    path = tmp_path / "yritykset.csv"
    path.write_text("business_id;name;founded_year\n0112038-9;Sahat Oy;1.1.1990\n", encoding="utf-8")
    finnish = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "fi_FI.UTF-8"}
    failed = runner.invoke(args=["import", "companies", str(path)], env=finnish)
    assert failed.exit_code == 1
    assert "rivi 2, founded_year: Ei ole kelvollinen kokonaisluku." in failed.output
    assert "1 rivi on virheellinen; mitään ei tallennettu." in failed.output
    path.write_text("business_id;name\n0112038-9;Sahat Oy\n", encoding="utf-8")
    dry = runner.invoke(args=["import", "companies", str(path), "--dry-run"], env={**finnish, "LANG": "sv_FI.UTF-8"})
    assert dry.output.strip() == "Provkörning, inget sparades: nya skulle ha blivit 1, uppdaterade 0, oförändrade 0."
    english = runner.invoke(args=["import", "companies", str(path), "--dry-run"], env={**finnish, "LANG": "C.UTF-8"})
    assert english.output.strip() == "Dry run, nothing written: would have created 1, updated 0, unchanged 0."


def test_marshmallow_messages_made_at_import_time_stay_lazy(app):
    """Range and Length build their messages when a schema class is made; they still follow the request."""
    import marshmallow as ma

    field = ma.fields.Integer(validate=ma.validate.Range(min=1, max=10))
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        with pytest.raises(ma.ValidationError) as error:
            field.deserialize(11)
        assert [str(message) for message in error.value.messages] == ["Måste vara minst 1 och högst 10."]
    with app.test_request_context():
        with pytest.raises(ma.ValidationError) as error:
            field.deserialize(11)
        assert json.loads(json.dumps([str(message) for message in error.value.messages])) == [
            "Must be greater than or equal to 1 and less than or equal to 10."
        ]
