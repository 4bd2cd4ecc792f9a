"""Messages in the reader's language: English as written in the code, Finnish and Swedish from gettext catalogues."""

import http
import inspect
import io
import os
from functools import cache
from pathlib import Path

import marshmallow as ma
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Response, has_request_context, request
from limits.limits import TIME_TYPES
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from werkzeug.exceptions import default_exceptions

from api.context import current_request

# The first is the default, and the language messages are written in.
LANGUAGES = ("en", "fi", "sv")
# The `.po` files, compiled in memory on first use: no build step, and no compiled file to fall out of date.
CATALOGUES = Path(__file__).parent / "translations"
DOMAIN = "messages"
# Titles Python 3.13 renamed (RFC 9110), extracted whatever Python runs the extraction.
STATUS_PHRASES_OF_PYTHON_3_13 = ("Content Too Large", "URI Too Long", "Range Not Satisfiable", "Unprocessable Content")
# Set on a request's environ once a message of its answer was put in its language.
_TRANSLATED = "api.i18n.language"


def catalogue_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    if language == LANGUAGES[0]:
        return NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    # Fuzzy entries (a translation not yet checked after its English changed) are left out: English shows.
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _environment_language() -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for setting in os.environ.get(name, "").split(":"):
            # fi_FI.UTF-8, sv_FI@euro, fi-FI, fi
            language = setting.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
            if language in LANGUAGES:
                return language
        if os.environ.get(name) and name != "LANGUAGE":
            # Like gettext: the first setting present decides; LANGUAGE is only a list of preferences.
            return LANGUAGES[0]
    return LANGUAGES[0]


def _requested_language() -> str:
    """The first language we have among those the request accepts, best quality first.

    Not werkzeug's `best_match`, which settles equal qualities by our order rather than the client's
    (`sv, fi` would be Finnish).
    """
    for tag, quality in sorted(request.accept_languages, key=lambda accepted: accepted[1], reverse=True):
        if quality <= 0:
            continue
        if tag == "*":
            break
        language = tag.replace("_", "-").split("-")[0].lower()  # fi-FI, sv-FI
        if language in LANGUAGES:
            return language
    return LANGUAGES[0]


def language() -> str:
    """The language of messages now: the request's `Accept-Language`, else (the CLI) the process' locale."""
    return _requested_language() if has_request_context() else _environment_language()


def _translate(message: str) -> str:
    current = language()
    if has_request_context():
        request.environ[_TRANSLATED] = current
    return translations(current).gettext(message)


def _(message: str, /, **values) -> str:
    """The message in the current language; `%(name)s` placeholders are filled from `values`."""
    text = _translate(message)
    return text % values if values else text


class LazyString(str):
    """A message translated each time it is shown, for strings made before any request (module level,
    marshmallow's class-level messages).

    It is a `str` holding the English text, so marshmallow formats it as it formats its own messages;
    `format` gives another lazy string, so a message formatted at import time stays lazy. Where the
    text leaves for a client, call `str()` on it (orjson would write the English).
    """

    def __new__(cls, english: str, render):
        text = super().__new__(cls, english)
        text._render = render
        return text

    def __str__(self) -> str:
        return self._render()

    def __format__(self, spec: str) -> str:
        return format(self._render(), spec)

    def __repr__(self) -> str:
        return repr(self._render())

    def format(self, *args, **kwargs) -> "LazyString":
        return LazyString(str.__str__(self).format(*args, **kwargs), lambda: self._render().format(*args, **kwargs))

    # Messages are immutable; marshmallow deep-copies its fields, validators and their messages.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def lazy_gettext(message: str, /, **values) -> LazyString:
    """`_` for strings made at import time: translated when shown, in the language of that moment."""
    return LazyString(message % values if values else message, lambda: _(message, **values))


def library_gettext(message: str) -> str:
    """A message a library wrote (marshmallow, werkzeug, http, python-stdnum, limits), listed by `library_messages`."""
    return _translate(message)


def _lazy_library_message(message: str) -> LazyString:
    return LazyString(message, lambda: library_gettext(message))


def status_title(status: int) -> str:
    return library_gettext(http.HTTPStatus(status).phrase)


def describe(error) -> str:
    """An HTTP error's description, translated when it is werkzeug's own default."""
    default = getattr(default_exceptions.get(error.code), "description", None)
    return library_gettext(default) if error.description == default else error.description


def _marshmallow_messages():
    """(class, attribute, message) for each default message of marshmallow's validators, and (class,
    attribute, None) for each dict of messages of its schemas and fields."""
    yield ma.Schema, "_default_error_messages", None
    for owner in vars(ma.fields).values():
        if inspect.isclass(owner) and issubclass(owner, ma.fields.Field) and "default_error_messages" in vars(owner):
            yield owner, "default_error_messages", None
    for owner in vars(ma.validate).values():
        if inspect.isclass(owner) and issubclass(owner, ma.validate.Validator):
            for name, value in vars(owner).items():
                if isinstance(value, str) and (name.startswith("message") or name == "default_message"):
                    yield owner, name, value


def _library_strings():
    for owner, name, value in _marshmallow_messages():
        if value is not None:
            yield value
        else:
            yield from vars(owner)[name].values()
    for status in http.HTTPStatus:
        if status >= 400:
            yield status.phrase
    yield from STATUS_PHRASES_OF_PYTHON_3_13
    for code, error in sorted(default_exceptions.items()):
        if code >= 400:
            yield error.description
    for error in (InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength):
        yield error.message
    # The units of rate limits ("600 per 1 minute"), in the form that message needs (Finnish: genitive).
    yield from TIME_TYPES


def library_messages() -> list[str]:
    """Messages that libraries write and we translate, in a stable order without repeats."""
    return list(dict.fromkeys(str.__str__(message) for message in _library_strings()))


def translate_library_messages() -> None:
    """Give marshmallow's own messages ("Not a valid integer.", "Unknown field.") lazy strings.

    Marshmallow copies its classes' default messages into each field and schema as they are made, so
    this runs on importing `api`, before any schema exists.
    """
    for owner, name, value in list(_marshmallow_messages()):
        if value is not None:
            setattr(owner, name, _lazy_library_message(value))
        else:
            messages = vars(owner)[name]
            setattr(owner, name, {key: _lazy_library_message(str.__str__(message)) for key, message in messages.items()})


def extract_library_messages(fileobj, keywords, comment_tags, options):
    """Babel extractor (see babel.cfg): this module's own messages, then the libraries' messages."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for message in library_messages():
        yield 0, "_", message, ["from a library"]


def mark_language(response: Response) -> Response:
    """An answer with translated text names its language and varies with Accept-Language."""
    translated = current_request().environ.get(_TRANSLATED)
    if translated:
        response.headers["Content-Language"] = translated
        response.vary.add("Accept-Language")
    return response


def register_i18n(app) -> None:
    app.after_request(mark_language)
