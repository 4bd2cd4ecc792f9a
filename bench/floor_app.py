"""The benchmark's floor: a minimal Flask app that replays the real app's answers, recorded before the run.

BENCH_FLOOR_ANSWERS names a JSON file written by bench/run.py: a list of answers, each with the
request's method, path (with its query), whether it was a conditional GET (If-None-Match), and the
status, headers and body (base64) the real app gave. Served under the same gunicorn settings, this
is the cost of HTTP, gunicorn and Flask alone, with no database, validation or serialisation.
"""

import base64
import json
import os
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
ANSWERS = {
    (answer["method"], answer["path"], answer["conditional"]): (
        base64.b64decode(answer["body"]), answer["status"], answer["headers"]
    )
    for answer in json.loads(Path(os.environ["BENCH_FLOOR_ANSWERS"]).read_text(encoding="utf-8"))
}


@app.get("/healthz")
def healthz():
    """The readiness probe of bench/servers.py; the app's own answer once recorded (the reference scenario)."""
    return replay("healthz") if ("GET", "/healthz", False) in ANSWERS else "ok"


@app.route("/<path:_path>", methods=["GET", "PATCH"])
def replay(_path):
    target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    conditional = request.method == "GET" and "If-None-Match" in request.headers
    found = ANSWERS.get((request.method, target, conditional))
    if found is None:
        return Response(f"The floor has no answer for {request.method} {target}.", status=404)
    body, status, headers = found
    # The recorded headers carry the Content-Type, so Flask adds only Content-Length, as for the app.
    return Response(body, status=status, headers=headers)
