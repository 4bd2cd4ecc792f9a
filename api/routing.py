"""Which rule a path belongs to: the methods a resource allows, for OPTIONS, 405 and routing."""

from inspect import iscoroutinefunction
from weakref import WeakKeyDictionary

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
    if request.url_rule is None or not request.url_rule.arguments:
        return  # a rule without variables is the most specific for its path: no other rule can shadow it
    rule = resource_rule()
    if rule is not None and request.url_rule is not rule:
        raise MethodNotAllowed(valid_methods=sorted(rule.methods))


class App(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(refuse_methods_of_another_resource)
        self._is_async: WeakKeyDictionary = WeakKeyDictionary()

    def ensure_sync(self, func):
        # Flask asks inspect whether each hook is a coroutine function on every request (a tenth of
        # /healthz's time with this app's hooks); a function's answer never changes, so it is kept
        # (weakly: callbacks made for one request, such as after_this_request's, go with it). A view's
        # method comes bound anew on every request, so its function is the key.
        function = getattr(func, "__func__", func)
        try:
            is_async = self._is_async.get(function)
            if is_async is None:
                is_async = self._is_async[function] = iscoroutinefunction(function)
        except TypeError:  # not weakly referable (a builtin): Flask decides each time
            is_async = True
        return super().ensure_sync(func) if is_async else func

    def make_default_options_response(self):
        response = self.response_class()
        response.allow.update(allowed_methods())
        return response
