"""Type-ahead suggestions for a search box: /api/v1/search/suggest."""

from flask.views import MethodView

from api.auth import sees_drafts
from api.resources.search.schemas import SuggestArgsSchema, SuggestionSchema
from api.search import suggestions
from api.smorest import Blueprint

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search across the directory's resources.")

EXAMPLE = [
    {"text": "Karstula", "kind": "municipality", "id": "226"},
    {"text": "karstulalainen", "kind": "term", "id": None},
    {"text": "Karstulan Saha ja Höylä Oy", "kind": "company", "id": "3f0c2a9e-6d1b-4b7a-9a52-0c8d7e1f2a3b"},
]


@blp.route("/suggest")
class SuggestViews(MethodView):
    @blp.arguments(SuggestArgsSchema, location="query")
    @blp.response(200, SuggestionSchema(many=True), example=EXAMPLE)
    @blp.doc(operationId="suggestSearch")
    def get(self, args):
        """Suggest words, names and places that start with what the reader has typed (type-ahead)

        Best first: municipalities, then the most frequent indexed words, then names of companies, events,
        spearheads (and sites) in alphabetical order. Only what the reader may see: published records for
        readers without an editor key, never deleted ones. Fast enough to call on every keystroke.
        """
        return suggestions.suggest(args["q"], args["limit"], sees_drafts())
