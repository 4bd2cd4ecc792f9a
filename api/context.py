"""The request and g of the moment, for the hooks every request passes through.

Each attribute read through Flask's `request` or `g` proxy looks the object up anew (about half a
microsecond); these return the object itself, so a hook looks it up once and reads its attributes
directly.
"""

from flask import g, request

current_request = request._get_current_object
current_g = g._get_current_object
