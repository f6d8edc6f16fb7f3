"""``/submissions``: cluster managers submit, curators review; plus each cluster's history.

Who may do what (``Authorization: Bearer <token>``, see ``clusterkb.tokens``):

* a submitter token: ``POST /submissions`` about its own cluster only, and read
  its own submissions;
* a curator token: list, read, diff, accept and reject any submission.

A missing or wrong token is a 401 with ``WWW-Authenticate``. Failed token checks
are counted per client address (``request.remote_addr``; proxy headers are not
trusted) and token id, in a moving one-minute window kept in the token database
(``clusterkb.tokens.FailureLimiter``: atomic, shared by every web worker): past
``config.auth_failures_per_minute`` that address gets 429 with ``Retry-After`` for
that token id until the window moves on; other users' tokens are not affected.

Browsers sign in once (``POST /submissions/session``, from one of our own pages):
the cookie holds a server-side session id, never the token, and signing out ends it.

The workflow itself (storage, atomic publication, provenance, recovery) is in
``clusterkb.submissions``; this module only speaks HTTP.
"""

from __future__ import annotations

import math
import sqlite3
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from rdflib import Dataset, Graph, URIRef
from werkzeug.exceptions import HTTPException

from clusterkb.store.base import StoreError
from clusterkb.submissions import (
    STATUSES,
    Submission,
    Workflow,
    WorkflowError,
    cluster_graph,
)
from clusterkb.tokens import (
    CURATOR,
    SUBMITTER,
    FailureLimiter,
    Token,
    TokenStore,
    cluster_slug,
    limiter_key,
)
from clusterkb.validation import compact
from clusterkb.web import negotiate
from clusterkb.web.context import config
from clusterkb.web.errors import json_http_error
from clusterkb.web.security import is_loopback
from clusterkb.web.validate import (
    FORM_OVERHEAD,
    FORM_TYPES,
    UploadError,
    error_response,
    merged,
    parse_upload,
    read_upload,
    report_response,
    validate_upload,
)

bp = Blueprint("submissions", __name__)


def init_app(app: Flask) -> None:
    """Attach the workflow, tokens and limiter to ``app`` and reconcile interrupted accepts."""
    cfg = app.extensions["clusterkb.config"]
    workflow = Workflow(cfg, app.extensions["clusterkb.store"])
    app.extensions["clusterkb.workflow"] = workflow
    tokens = TokenStore.for_config(cfg)
    app.extensions["clusterkb.tokens"] = tokens
    app.extensions["clusterkb.auth_limiter"] = FailureLimiter(tokens,
                                                              cfg.auth_failures_per_minute)
    try:
        fixed = workflow.reconcile()
    except (StoreError, OSError, sqlite3.Error) as error:
        # A remote engine that is down (or a var dir we cannot write) must not keep
        # the server from starting: the next start reconciles.
        app.logger.warning("could not reconcile interrupted acceptances: %s", error)
        fixed = []
    if fixed:
        app.logger.warning("recorded interrupted acceptances: %s", ", ".join(fixed))
    app.register_blueprint(bp)


def workflow() -> Workflow:
    return current_app.extensions["clusterkb.workflow"]


# --- authentication -------------------------------------------------------------------

class AuthError(HTTPException):
    def __init__(self, status: int, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.code = status
        self.message = message
        self.extra_headers = headers


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="clusterkb"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def authenticate(*roles: str) -> Token:
    """The token of the current request, if it has one of ``roles``; else 401/403/429.

    The attempt takes a slot of the failure limit before the token is checked and
    gives it back when the token is right, so concurrent wrong attempts cannot
    overrun the limit.
    """
    kind, secret = _presented_credential()
    if not secret:  # nothing guessed, nothing to count
        raise AuthError(401, "This needs a token: send 'Authorization: Bearer <token>' "
                             "(a curator creates one with 'clusterkb token create').",
                        _challenge())
    client = request.remote_addr or "unknown"
    limiter: FailureLimiter = current_app.extensions["clusterkb.auth_limiter"]
    reservation, wait = limiter.take(limiter_key(client, secret, session=kind == "session"))
    if reservation is None:
        seconds = math.ceil(wait)
        raise AuthError(429, f"Too many failed authentication attempts from {client}; "
                             f"retry in {seconds} s.", {"Retry-After": str(seconds)})
    tokens: TokenStore = current_app.extensions["clusterkb.tokens"]
    token = tokens.session_token(secret) if kind == "session" else tokens.authenticate(secret)
    if token is None:
        if kind == "session":
            raise AuthError(401, "Your session has ended (signed out, expired or the token "
                                 "was revoked); sign in again.", _challenge("invalid_token"))
        raise AuthError(401, "The token is unknown or revoked.", _challenge("invalid_token"))
    limiter.give_back(reservation)
    if token.role not in roles:
        raise AuthError(403, f"A {token.role} token may not do this; it needs a "
                             f"{' or '.join(roles)} token.", _challenge("insufficient_scope"))
    return token


#: The browser session of the HTML pages: HttpOnly, SameSite=Strict (Secure off loopback).
SESSION_COOKIE = "clusterkb_session"


def _presented_credential() -> tuple[str, str]:
    """What the request presents: ``("token", secret)`` from ``Authorization: Bearer`` or,
    for HTML forms (which cannot set that header), a POSTed ``token`` field; else
    ``("session", id)`` from the session cookie; ``("token", "")`` for nothing.

    Cookie-borne sessions on a POST must come from one of our own pages (``Origin``,
    else ``Referer``, names this host), on top of SameSite=Strict: no cross-site form
    can act with a curator's session.
    """
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "token", secret.strip()
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        _bound_form()
        field = request.form.get("token", "").strip()
        if field:
            return "token", field
    cookie = request.cookies.get(SESSION_COOKIE, "").strip()
    if cookie and request.method == "POST" and not same_origin():
        raise AuthError(403, "A form from another site may not act with your session.", {})
    return ("session", cookie) if cookie else ("token", "")


def _bound_form() -> None:
    """Read forms with the upload limits of ``/validate`` even when auth reads them first."""
    limit = config().max_upload_bytes + FORM_OVERHEAD
    request.max_content_length = limit
    request.max_form_memory_size = limit


def same_origin() -> bool:
    """Whether the request came from a page of this server (``Origin`` or ``Referer``)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    return bool(parts.netloc) and parts.netloc == request.host \
        and parts.scheme == request.scheme


def not_cross_site() -> bool:
    """No ``Origin``/``Referer`` naming another site (or ``null``): what a sign-in needs.

    A browser form posted from another site always says where it comes from
    (``Origin``, ``null`` when hidden); a request with neither header is not a
    browser's cross-site form (curl, a script holding the token already).
    """
    if not (request.headers.get("Origin") or request.headers.get("Referer")):
        return True
    return same_origin()


@bp.errorhandler(AuthError)
def _auth_error(error: AuthError):
    pages = ("submissions.listing", "submissions.show", "submissions.start_session")
    if error.code in (401, 403) and request.endpoint in pages and _wants_html():
        # A person in a browser: the sign-in form, with what went wrong.
        response = Response(render_template("submissions.html", login=True, message=error.message,
                                            subs=[], status=None), error.code)
        response.headers.update(error.extra_headers)
        return response
    response = jsonify(error=error.message, status=error.code)
    response.status_code = error.code
    response.headers.update(error.extra_headers)
    return response


bp.register_error_handler(HTTPException, json_http_error)


@bp.errorhandler(WorkflowError)
def _workflow_error(error: WorkflowError):
    response = jsonify(error=str(error), status=error.status)
    response.status_code = error.status
    return response


def _wants_html() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        return fmt == "html"
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and bool(request.headers.get("Accept"))


def _visible(sub: Submission, token: Token) -> Submission:
    """``sub`` if ``token`` may see it (curator, or its own submitter); else 404."""
    if token.role != CURATOR and sub.token_id != token.id:
        raise WorkflowError(f"no submission {sub.id!r}", 404)
    return sub


def _links(sub: Submission) -> dict[str, str]:
    return {"self": url_for("submissions.show", submission_id=sub.id),
            "diff": url_for("submissions.diff", submission_id=sub.id),
            "accept": url_for("submissions.accept", submission_id=sub.id),
            "reject": url_for("submissions.reject", submission_id=sub.id)}


def _sub_json(sub: Submission) -> dict:
    return {**sub.to_json(), "links": _links(sub)}


# --- submit -------------------------------------------------------------------

@bp.post("/submissions")
def submit():
    token = authenticate(SUBMITTER)
    assert token.cluster is not None
    flow = workflow()
    flow.check_quota(token, request.content_length or 0)
    try:
        upload = read_upload()
    except UploadError as error:
        return error_response(error, template="submission.html", sub=None)
    flow.record_upload(token, len(upload.data))
    flow.check_quota(token, 0)
    try:
        dataset = parse_upload(upload)
    except UploadError as error:
        return error_response(error, template="submission.html", sub=None)
    default = dataset.default_graph.identifier
    names = [str(g.identifier) for g in dataset.graphs() if g.identifier != default and len(g)]
    prepared = flow.prepare(merged(dataset), token.cluster, names)
    if prepared.refusals:
        refused = [r.to_json() for r in prepared.refusals]
        others = sorted({r.cluster for r in prepared.refusals if r.cluster})
        listed = "; ".join(f"<{r.subject}>: {r.reason}" for r in prepared.refusals[:20])
        response = jsonify(
            error=f"This token may only submit data about {token.cluster} and what it owns; "
                  f"the submission also adds or changes statements it may not make: {listed}. "
                  "Remove them (statements your published graph already holds may stay).",
            status=403, cluster=token.cluster, refused=refused, other_clusters=others,
            notes=prepared.notes)
        response.status_code = 403
        return response
    graph = prepared.graph  # the upload less the statements only the server may make
    try:
        report = validate_upload(upload, dataset)  # as /validate does: same verdict
    except UploadError as error:
        return error_response(error, template="submission.html", sub=None)
    missing = (URIRef(token.cluster), None, None) not in graph
    if not report.conforms or missing:
        extra = {"error": "The submission does not conform to the shapes; nothing was stored. "
                          "Fix the violations listed in 'report' and submit again.",
                 "status": 422, "notes": prepared.notes}
        if missing:
            extra["error"] = (f"The submission says nothing about {token.cluster}, the cluster "
                              "this token is for; nothing was stored.")
        return report_response(report, 422, extra=extra, template="submission.html", sub=None,
                               notes=prepared.notes)
    sub = flow.submit(graph, token, {**report.to_json(), "notes": prepared.notes})
    location = url_for("submissions.show", submission_id=sub.id)
    if _wants_html():
        response = Response(render_template("submission.html", sub=sub, report=report,
                                            groups=report.by_focus(), compact=compact,
                                            notes=prepared.notes), 201)
    else:
        response = jsonify(_sub_json(sub))
        response.status_code = 201
    response.headers["Location"] = location
    return response


# --- browser session -------------------------------------------------------------------

@bp.post("/submissions/session")
def start_session():
    """Sign a browser in: the form's ``token`` starts a server-side session whose id
    becomes an HttpOnly, SameSite=Strict cookie (Secure unless the host is loopback)."""
    if not not_cross_site():
        raise AuthError(403, "A form from another site may not sign you in.", {})
    token = authenticate(SUBMITTER, CURATOR)
    max_age = config().session_max_age
    session_id = current_app.extensions["clusterkb.tokens"].start_session(token, max_age)
    response = redirect(url_for("submissions.listing", status="pending"
                                if token.role == CURATOR else None), 303)
    response.set_cookie(SESSION_COOKIE, session_id, max_age=max_age, httponly=True,
                        samesite="Strict", secure=not is_loopback(request.host),
                        path="/submissions")
    return response


@bp.post("/submissions/session/end")
def end_session():
    if not same_origin():
        abort(403, description="A form from another site may not sign you out.")
    session_id = request.cookies.get(SESSION_COOKIE, "").strip()
    if session_id:
        current_app.extensions["clusterkb.tokens"].end_session(session_id)
    response = redirect(url_for("submissions.listing"), 303)
    response.delete_cookie(SESSION_COOKIE, path="/submissions")
    return response


def _form_post() -> bool:
    return request.mimetype in FORM_TYPES and _wants_html()


# --- read -------------------------------------------------------------------

@bp.get("/submissions")
def listing():
    token = authenticate(SUBMITTER, CURATOR)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, description=f"Query parameter 'status' must be one of "
                               f"{', '.join(STATUSES)}, got {status!r}")
    subs = workflow().records.list(status=status)
    if token.role != CURATOR:
        subs = [s for s in subs if s.token_id == token.id]
    if _wants_html():
        diffs = {}
        if token.role == CURATOR:
            for sub in subs:
                if sub.status == "pending":
                    added, removed = workflow().diff(sub)
                    diffs[sub.id] = (sorted(_nt_lines(added)), sorted(_nt_lines(removed)))
        return render_template("submissions.html", subs=subs, status=status, diffs=diffs,
                               role=token.role, statuses=STATUSES)
    return jsonify(submissions=[{k: v for k, v in _sub_json(s).items() if k != "report"}
                                for s in subs])


@bp.get("/submissions/<submission_id>")
def show(submission_id: str):
    token = authenticate(SUBMITTER, CURATOR)
    sub = _visible(workflow().get(submission_id), token)
    if _wants_html():
        return render_template("submission.html", sub=sub, report=None,
                               results=sub.report.get("results", []), compact=compact)
    return jsonify(_sub_json(sub))


_DIFF_TYPES = ("text/turtle", "text/html", "application/trig", "application/json")


@bp.get("/submissions/<submission_id>/diff")
def diff(submission_id: str):
    authenticate(CURATOR)
    sub = workflow().get(submission_id)
    added, removed = workflow().diff(sub)
    fmt = request.args.get("format")
    media = {"ttl": "text/turtle", "html": "text/html", "trig": "application/trig",
             "json": "application/json", None: None}.get(fmt, "bad")
    if media == "bad":
        abort(400, description=f"Unknown format {fmt!r}; use ttl, html, trig or json")
    if media is None:
        media = (request.accept_mimetypes.best_match(_DIFF_TYPES)
                 if request.headers.get("Accept") else "text/turtle")
        if media is None:
            abort(406, description="Offered: " + ", ".join(_DIFF_TYPES))
    part = request.args.get("part", "added")
    if part not in ("added", "removed"):
        abort(400, description="Query parameter 'part' must be 'added' or 'removed'")
    if media == "text/html":
        response = Response(render_template(
            "submission.html", sub=sub, report=None, diff=True,
            added=sorted(_nt_lines(added)), removed=sorted(_nt_lines(removed)),
            compact=compact, results=sub.report.get("results", [])))
    elif media == "application/json":
        response = jsonify(submission=sub.id, cluster=sub.cluster,
                           graph=cluster_graph(config().base_iri,
                                               cluster_slug(config().base_iri, sub.cluster)),
                           added=sorted(_nt_lines(added)), removed=sorted(_nt_lines(removed)))
    elif media == "application/trig":
        dataset = Dataset()
        base = f"{config().base_iri}graph/submission/{sub.id}/diff/"
        for name, graph in (("added", added), ("removed", removed)):
            target = dataset.graph(URIRef(base + name))
            for triple in graph:
                target.add(triple)
        negotiate.bind_prefixes(dataset)
        response = Response(dataset.serialize(format="trig", encoding="utf-8"),
                            mimetype="application/trig")
    else:
        graph = negotiate.bind_prefixes(Graph())
        for triple in (added if part == "added" else removed):
            graph.add(triple)
        header = (f"# Triples {part} by submission {sub.id} for {sub.cluster}: "
                  f"{len(added)} added, {len(removed)} removed"
                  f" (?part={'removed' if part == 'added' else 'added'} for the others).\n")
        response = Response(header.encode() + graph.serialize(format="turtle",
                                                              encoding="utf-8"),
                            mimetype="text/turtle")
        response.headers["X-Triples-Added"] = str(len(added))
        response.headers["X-Triples-Removed"] = str(len(removed))
    response.vary.add("Accept")
    return response


def _nt_lines(graph: Graph) -> list[str]:
    return [f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph]


# --- decide -------------------------------------------------------------------

@bp.post("/submissions/<submission_id>/accept")
def accept(submission_id: str):
    curator = authenticate(CURATOR)
    sub = workflow().accept(submission_id, curator)
    body = _sub_json(sub)
    slug = cluster_slug(config().base_iri, sub.cluster)
    body["published_graph"] = cluster_graph(config().base_iri, slug)
    body["links"]["history"] = url_for("submissions.history", slug=slug)
    if _form_post():
        return redirect(url_for("submissions.show", submission_id=sub.id), 303)
    return jsonify(body)


@bp.post("/submissions/<submission_id>/reject")
def reject(submission_id: str):
    curator = authenticate(CURATOR)
    reason = None
    if request.is_json:
        payload = request.get_json(silent=True)
        if isinstance(payload, dict) and isinstance(payload.get("reason"), str):
            reason = payload["reason"]
    else:
        reason = request.form.get("reason")
    if not reason or not reason.strip():
        abort(400, description="A rejection needs a reason: send JSON {\"reason\": \"...\"} "
                               "or a form field 'reason'.")
    sub = workflow().reject(submission_id, curator, reason.strip()[:2000])
    if _form_post():
        return redirect(url_for("submissions.show", submission_id=sub.id), 303)
    return jsonify(_sub_json(sub))


# --- history -------------------------------------------------------------------

@bp.get("/id/cluster/<slug>/history")
def history(slug: str):
    versions = workflow().history(slug)
    if not versions:
        abort(404, description=f"No cluster {slug!r} in the knowledge base")
    rows = []
    for v in versions:
        if v.n is None:
            turtle = f"{request.script_root}/graph/clusters/{slug}.ttl"
        else:
            turtle = url_for("submissions.version", slug=slug, n=v.n)
        rows.append({"version": v.n if v.n is not None else "current", "graph": v.graph,
                     "generated": v.generated.isoformat() if v.generated else None,
                     "replaced": v.replaced.isoformat() if v.replaced else None,
                     "replaced_by_submission": v.replaced_by, "turtle": turtle})
    cluster = f"{config().base_iri}id/cluster/{slug}"
    fmt = request.args.get("format")
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if fmt == "json" or (fmt is None and best == "application/json"):
        response = jsonify(cluster=cluster, versions=rows)
    else:
        response = Response(render_template("history.html", cluster=cluster, slug=slug,
                                             versions=rows))
    response.vary.add("Accept")
    return response


@bp.get("/id/cluster/<slug>/history/<int:n>")
@bp.get("/id/cluster/<slug>/history/<int:n>.ttl")
def version(slug: str, n: int):
    graph = workflow().version_graph(slug, n)
    if graph is None:
        abort(404, description=f"No version {n} of cluster {slug!r}")
    negotiate.bind_prefixes(graph)
    return Response(graph.serialize(format="turtle", encoding="utf-8"),
                    mimetype="text/turtle")

