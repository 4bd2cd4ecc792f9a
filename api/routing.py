"""Which rule a path belongs to: the methods a resource allows, for OPTIONS, 405 and routing."""

from inspect import iscoroutinefunction
from weakref import WeakKeyDictionary

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule

from api.context import current_request


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
    req = current_request()
    matched = req.url_rule
    # Only a rule with variables may be shadowed (see _rivals): the others pass without a lookup.
    if matched is None or not matched.arguments or not _may_be_shadowed(matched, req.path):
        return
    rule = resource_rule()
    if rule is not None and matched is not rule:
        raise MethodNotAllowed(valid_methods=sorted(rule.methods))


# A segment with a variable in it: it may match any text without a slash.
_VARIABLE = None
# A segment with a variable that takes slashes too (`<path:…>`): it may match the rest of any path.
_REST = ...


def _segments(rule: Rule) -> list:
    parts = rule.rule.split("/")
    return [_REST if "<path:" in part else _VARIABLE if "<" in part else part for part in parts]


def _may_share_a_path(one: list, other: list) -> bool:
    for mine, theirs in zip(one, other):
        if _REST in (mine, theirs):
            return True
        if mine is not _VARIABLE and theirs is not _VARIABLE and mine != theirs:
            return False
    return len(one) == len(other)


def _may_be_shadowed(rule: Rule, path: str) -> bool:
    """Whether another rule may match this request's path as well: the second URL match that tells costs a
    fast answer a twentieth of its time, so it runs only then. Other rules without variables match one
    path each (`/companies/facets` beside `/companies/<company_id>`); one with variables may match many."""
    paths, variable = _rivals(current_app.url_map).get(id(rule), (frozenset(), False))
    return variable or path in paths


def _rivals(url_map: Map) -> dict[int, tuple[frozenset[str], bool]]:
    """For each rule with variables that another rule may share a path with (found once per map by
    comparing the rules' segments, cautiously): the paths of such rules without variables, and whether
    one with variables is among them."""
    found = _rivals_of_maps.get(url_map)
    if found is None:
        rules = [(rule, _segments(rule)) for rule in url_map.iter_rules()]
        found = {}
        for rule, segments in rules:
            rivals = [other for other, theirs in rules if other is not rule and _may_share_a_path(segments, theirs)]
            if rule.arguments and rivals:
                found[id(rule)] = (frozenset(other.rule for other in rivals if not other.arguments),
                                   any(other.arguments for other in rivals))
        _rivals_of_maps[url_map] = found
    return found


_rivals_of_maps: WeakKeyDictionary = WeakKeyDictionary()


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
