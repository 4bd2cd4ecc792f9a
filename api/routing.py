"""Which rule a path belongs to: the methods a resource allows, for OPTIONS, 405 and routing."""

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule


def resource_rule() -> Rule | None:
    """The rule of the resource at the request's path, whatever the method.

    Werkzeug routes `DELETE /companies/facets` to `/companies/<company_id>` and lists the methods of every
    rule that matches a path, so both would serve the id's methods on `/companies/facets`. Every rule
    allows OPTIONS, so matching the path for OPTIONS finds the rule that wins for the path itself
    (static parts before variables).
    """
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        rule, _ = adapter.match(method="OPTIONS", return_rule=True)
    except HTTPException:
        return None
    return rule


def allowed_methods() -> set[str]:
    rule = resource_rule()
    return set(rule.methods) if rule else set()


def refuse_methods_of_another_resource() -> None:
    """A method that only a less specific rule takes (DELETE on /companies/facets) is a 405, not that rule's answer."""
    rule = resource_rule()
    if request.url_rule is not None and rule is not None and request.url_rule is not rule:
        raise MethodNotAllowed(valid_methods=sorted(rule.methods))


class App(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(refuse_methods_of_another_resource)

    def make_default_options_response(self):
        response = self.response_class()
        response.allow.update(allowed_methods())
        return response
