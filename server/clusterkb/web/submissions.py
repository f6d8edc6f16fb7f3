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
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from rdflib import Dataset, Graph, URIRef
from werkzeug.exceptions import HTTPException

from clusterkb import formats
from clusterkb.changes import Changes, describe_changes
from clusterkb.errors import ClientError
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
from clusterkb.uploads import UploadRefused
from clusterkb.validation import compact
from clusterkb.validation import merged_graph as merged
from clusterkb.web import errors, negotiate
from clusterkb.web.context import config, state, store
from clusterkb.web.errors import json_http_error
from clusterkb.web.reports import error_response, report_response
from clusterkb.web.security import is_loopback
from clusterkb.web.uploads import (
    FORM_OVERHEAD,
    FORM_TYPES,
    parse_upload,
    read_upload,
    validate_upload,
)

bp = Blueprint("submissions", __name__)


def init_app(app: Flask) -> None:
    """Attach the workflow, tokens and limiter to ``app`` and reconcile interrupted accepts."""
    app_state = state(app)
    cfg = app_state.config
    workflow = Workflow(cfg, app_state.store)
    tokens = TokenStore.for_config(cfg)
    app_state.workflow, app_state.tokens = workflow, tokens
    app_state.auth_limiter = FailureLimiter(tokens, cfg.auth_failures_per_minute)
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
    return state().workflow


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
    limiter = state().auth_limiter
    reservation, wait = limiter.take(limiter_key(client, secret, session=kind == "session"))
    if reservation is None:
        seconds = math.ceil(wait)
        raise AuthError(429, f"Too many failed authentication attempts from {client}; "
                             f"retry in {seconds} s.", {"Retry-After": str(seconds)})
    tokens = state().tokens
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
    if error.code in (401, 403) and request.endpoint in pages and negotiate.wants_html():
        # A person in a browser: the sign-in form, with what went wrong.
        response = Response(render_template("submissions.html", login=True, message=error.message,
                                            subs=[], status=None), error.code)
        response.headers.update(error.extra_headers)
        return response
    return errors.error_response(ClientError(error.message, status=error.code,
                                             headers=error.extra_headers))


bp.register_error_handler(HTTPException, json_http_error)


@bp.errorhandler(WorkflowError)
def _workflow_error(error: WorkflowError):
    return errors.error_response(ClientError(str(error), status=error.status))


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
    """Store a valid submission about the token's own cluster as pending.
    ---
    post:
      summary: Submit your cluster's profile (submitter)
      security: [{bearerAuth: []}, {sessionCookie: []}]
      requestBody: Upload
      responses:
        "201":
          description: Stored as pending.
          headers: {Location: Location}
          content:
            JSON: {schema: Submission}
            HTML: {schema: {type: string}}
        <<: {"400": BadRequest, "401": Unauthorized, "403": Forbidden, "413": PayloadTooLarge,
             "415": UnsupportedMediaType}
        "422":
          description: "Invalid: nothing stored; the report says what to fix."
          content:
            JSON: {schema: RefusedSubmission}
            HTML: {schema: {type: string}}
            TURTLE: {schema: {type: string}}
            JSON_LD: {schema: {type: object}}
        <<: {"429": TooManyRequests, "503": Unavailable, "507": InsufficientStorage}
    """
    token = authenticate(SUBMITTER)
    assert token.cluster is not None
    flow = workflow()
    flow.check_quota(token, request.content_length or 0)
    try:
        upload = read_upload()
    except UploadRefused as error:
        return error_response(error, template="submission.html", sub=None)
    flow.record_upload(token, len(upload.data))
    flow.check_quota(token, 0)
    try:
        dataset = parse_upload(upload)
    except UploadRefused as error:
        return error_response(error, template="submission.html", sub=None)
    default = dataset.default_graph.identifier
    names = [str(g.identifier) for g in dataset.graphs() if g.identifier != default and len(g)]
    prepared = flow.prepare(merged(dataset), token.cluster, names)
    if prepared.refusals:
        refused = [r.to_json() for r in prepared.refusals]
        others = sorted({r.cluster for r in prepared.refusals if r.cluster})
        listed = "; ".join(f"<{r.subject}>: {r.reason}" for r in prepared.refusals[:20])
        raise ClientError(
            f"This token may only submit data about {token.cluster} and what it owns; "
            f"the submission also adds or changes statements it may not make: {listed}. "
            "Remove them (statements your published graph already holds may stay).",
            status=403, cluster=token.cluster, refused=refused, other_clusters=others,
            notes=prepared.notes)
    graph = prepared.graph  # the upload less the statements only the server may make
    try:
        report = validate_upload(upload, dataset)  # as /validate does: same verdict
    except UploadRefused as error:
        return error_response(error, template="submission.html", sub=None)
    missing = (URIRef(token.cluster), None, None) not in graph
    if not report.conforms or missing:
        message = ("The submission does not conform to the shapes; nothing was stored. "
                   "Fix the violations listed in 'report' and submit again.")
        if missing:
            message = (f"The submission says nothing about {token.cluster}, the cluster "
                       "this token is for; nothing was stored.")
        extra = ClientError(message, status=422, notes=prepared.notes).to_json()
        return report_response(report, 422, extra=extra, template="submission.html", sub=None,
                               notes=prepared.notes)
    sub = flow.submit(graph, token, {**report.to_json(), "notes": prepared.notes})
    location = url_for("submissions.show", submission_id=sub.id)
    if negotiate.wants_html():
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
    becomes an HttpOnly, SameSite=Strict cookie (Secure unless the host is loopback).
    ---
    post:
      summary: Sign a browser in (token in a form field, or Authorization)
      requestBody: TokenForm
      responses:
        "303":
          description: "Signed in: the session cookie is set; on to the submissions."
          headers:
            Location: Location
            Set-Cookie:
              description: '`clusterkb_session`, HttpOnly, SameSite=Strict.'
              schema: {type: string}
        <<: {"401": Unauthorized, "403": Forbidden, "429": TooManyAuthFailures,
             "503": Unavailable}
    """
    if not not_cross_site():
        raise AuthError(403, "A form from another site may not sign you in.", {})
    token = authenticate(SUBMITTER, CURATOR)
    max_age = config().session_max_age
    session_id = state().tokens.start_session(token, max_age)
    response = redirect(url_for("submissions.listing", status="pending"
                                if token.role == CURATOR else None), 303)
    response.set_cookie(SESSION_COOKIE, session_id, max_age=max_age, httponly=True,
                        samesite="Strict", secure=not is_loopback(request.host),
                        path="/submissions")
    return response


@bp.post("/submissions/session/end")
def end_session():
    """Sign a browser out: end its session and clear the cookie.
    ---
    post:
      summary: Sign a browser out (from one of this server's pages)
      security: [{sessionCookie: []}]
      responses:
        "303":
          description: "Signed out: the cookie is cleared; on to the sign-in page."
          headers: {Location: Location}
        "403": Forbidden
        "503": Unavailable
    """
    if not same_origin():
        abort(403, description="A form from another site may not sign you out.")
    session_id = request.cookies.get(SESSION_COOKIE, "").strip()
    if session_id:
        state().tokens.end_session(session_id)
    response = redirect(url_for("submissions.listing"), 303)
    response.delete_cookie(SESSION_COOKIE, path="/submissions")
    return response


def _form_post() -> bool:
    return request.mimetype in FORM_TYPES and negotiate.wants_html()


# --- read -------------------------------------------------------------------

@bp.get("/submissions")
def listing():
    """The submissions a token may see, newest first.
    ---
    get:
      summary: List submissions (curators all, submitters their own)
      security: [{bearerAuth: []}, {sessionCookie: []}]
      parameters:
        - {in: query, name: status, schema: {enum: [pending, accepted, rejected]}}
        - page_format
      responses:
        "200":
          description: The submissions (without their reports).
          content:
            JSON: {schema: SubmissionList}
            HTML: {schema: {type: string}}
        <<: {"400": BadRequest, "401": Unauthorized, "403": Forbidden,
             "429": TooManyAuthFailures, "503": Unavailable}
    """
    token = authenticate(SUBMITTER, CURATOR)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, description=f"Query parameter 'status' must be one of "
                               f"{', '.join(STATUSES)}, got {status!r}")
    subs = workflow().records.list(status=status)
    if token.role != CURATOR:
        subs = [s for s in subs if s.token_id == token.id]
    if negotiate.wants_html():
        return render_template("submissions.html", subs=subs, status=status,
                               role=token.role, statuses=STATUSES)
    return jsonify(submissions=[{k: v for k, v in _sub_json(s).items() if k != "report"}
                                for s in subs])


@bp.get("/submissions/<submission_id>")
def show(submission_id: str):
    """One submission: status, report, who and when.
    ---
    get:
      summary: One submission (its status, report, who and when)
      security: [{bearerAuth: []}, {sessionCookie: []}]
      parameters: [submission_id, page_format]
      responses:
        "200":
          description: The submission.
          content:
            JSON: {schema: Submission}
            HTML: {schema: {type: string}}
        <<: {"404": NotFound, "401": Unauthorized, "403": Forbidden, "429": TooManyAuthFailures,
             "503": Unavailable}
    """
    token = authenticate(SUBMITTER, CURATOR)
    sub = _visible(workflow().get(submission_id), token)
    if negotiate.wants_html():
        changes = _changes(sub) if token.role == CURATOR and sub.status == "pending" else None
        return _submission_page(sub, changes)
    return jsonify(_sub_json(sub))


def _submission_page(sub: Submission, changes: Changes | None) -> Response:
    """The page a curator decides on: the record, the report, the changes and the buttons."""
    return Response(render_template(
        "submission.html", sub=sub, report=None, results=sub.report.get("results", []),
        compact=compact, changes=changes, version=_replaced_version(sub)))


def _replaced_version(sub: Submission) -> dict | None:
    """For an accepted submission: the history versions before and after it, to compare."""
    if sub.status != "accepted":
        return None
    slug = cluster_slug(config().base_iri, sub.cluster)
    versions = workflow().history(slug or "")
    for i, v in enumerate(versions):
        if v.replaced_by == sub.id and i > 0:
            after = _version_name(versions[i - 1].n)
            return {"compare": url_for("submissions.history", slug=slug,
                                       **{"from": v.n, "to": after}),
                    "history": url_for("submissions.history", slug=slug)}
    return None


def _changes(sub: Submission) -> Changes:
    flow = workflow()
    added, removed = flow.diff(sub)
    return describe_changes(added, removed, flow.submitted_graph(sub),
                            flow.published_graph(sub.cluster), store(), first=sub.cluster)


#: A diff: Turtle first (the default for ``*/*`` and no ``Accept``), then the others.
DIFF_FORMATS = (formats.TURTLE, formats.HTML, formats.TRIG, formats.JSON)


@bp.get("/submissions/<submission_id>/diff")
def diff(submission_id: str):
    """What accepting would change, against the published graph.
    ---
    get:
      summary: Triples added and removed against the published graph (curator)
      security: [{bearerAuth: []}, {sessionCookie: []}]
      parameters:
        - submission_id
        - {in: query, name: format, schema: {enum: [ttl, html, trig, json]}}
        - in: query
          name: part
          description: 'Turtle only: which half of the diff.'
          schema:
            enum: [added, removed]
      responses:
        "200":
          description: The diff.
          headers:
            X-Triples-Added: {schema: {type: string}}
            X-Triples-Removed: {schema: {type: string}}
          content:
            TURTLE: {schema: {type: string}}
            HTML: {schema: {type: string}}
            TRIG: {schema: {type: string}}
            JSON: {schema: Diff}
        <<: {"400": BadRequest, "404": NotFound, "406": NotAcceptable, "401": Unauthorized,
             "403": Forbidden, "429": TooManyAuthFailures, "503": Unavailable}
    """
    authenticate(CURATOR)
    sub = workflow().get(submission_id)
    fmt = negotiate.choose(DIFF_FORMATS)
    part = request.args.get("part", "added")
    if part not in ("added", "removed"):
        abort(400, description="Query parameter 'part' must be 'added' or 'removed'")
    added, removed = workflow().diff(sub)
    if fmt is formats.HTML:
        response = _submission_page(sub, _changes(sub))
    elif fmt is formats.JSON:
        response = jsonify(submission=sub.id, cluster=sub.cluster,
                           graph=cluster_graph(config().base_iri,
                                               cluster_slug(config().base_iri, sub.cluster)),
                           added=sorted(_nt_lines(added)), removed=sorted(_nt_lines(removed)),
                           changes=_changes(sub).to_json())
    elif fmt is formats.TRIG:
        dataset = Dataset()
        base = f"{config().base_iri}graph/submission/{sub.id}/diff/"
        for name, graph in (("added", added), ("removed", removed)):
            target = dataset.graph(URIRef(base + name))
            for triple in graph:
                target.add(triple)
        negotiate.bind_prefixes(dataset)
        response = Response(dataset.serialize(format=formats.TRIG.rdflib, encoding="utf-8"),
                            mimetype=formats.TRIG.media_type)
    else:
        graph = negotiate.bind_prefixes(Graph())
        for triple in (added if part == "added" else removed):
            graph.add(triple)
        header = (f"# Triples {part} by submission {sub.id} for {sub.cluster}: "
                  f"{len(added)} added, {len(removed)} removed"
                  f" (?part={'removed' if part == 'added' else 'added'} for the others).\n")
        response = Response(header.encode() + negotiate.serialize(graph, formats.TURTLE),
                            mimetype=formats.TURTLE.media_type)
    response.headers["X-Triples-Added"] = str(len(added))
    response.headers["X-Triples-Removed"] = str(len(removed))
    return negotiate.finish(response)


def _nt_lines(graph: Graph) -> list[str]:
    return [f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph]


# --- decide -------------------------------------------------------------------

@bp.post("/submissions/<submission_id>/accept")
def accept(submission_id: str):
    """Publish the submission as its cluster's graph.
    ---
    post:
      summary: Accept a submission and publish it as the cluster's graph (curator)
      security: [{bearerAuth: []}, {sessionCookie: []}]
      parameters: [submission_id]
      requestBody: TokenForm
      responses:
        "200": {description: Accepted and published., content: {JSON: {schema: Submission}}}
        <<: {"303": BackToSubmission, "401": Unauthorized, "403": Forbidden, "404": NotFound,
             "409": Conflict, "429": TooManyAuthFailures, "503": Unavailable,
             "507": InsufficientStorage}
    """
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
    """Reject the submission with a reason.
    ---
    post:
      summary: Reject a submission with a reason (curator)
      security: [{bearerAuth: []}, {sessionCookie: []}]
      parameters: [submission_id]
      requestBody:
        required: true
        content:
          JSON:
            schema:
              type: object
              required: [reason]
              properties:
                reason: {type: string, minLength: 1}
          FORM:
            schema:
              type: object
              required: [reason]
              properties: {reason: {type: string, minLength: 1}, token: {type: string}}
      responses:
        "200": {description: Rejected., content: {JSON: {schema: Submission}}}
        <<: {"303": BackToSubmission, "400": BadRequest, "401": Unauthorized, "403": Forbidden,
             "404": NotFound, "409": Conflict, "429": TooManyAuthFailures, "503": Unavailable,
             "507": InsufficientStorage}
    """
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

#: The history of a cluster: a page for people first, then JSON.
HISTORY_FORMATS = (formats.HTML, formats.JSON)


@bp.get("/id/cluster/<slug>/history")
def history(slug: str):
    """The versions of a cluster's graph; with ``?from=&to=`` (a version number or
    ``current``) also what changed between those two, as a submission's diff shows it.
    ---
    get:
      summary: The versions of a cluster's graph; with from and to, what changed
      parameters:
        - slug
        - page_format
        - in: query
          name: from
          description: A version number or `current` (give `to` too).
          schema: {type: string, maxLength: 20}
        - in: query
          name: to
          description: A version number or `current` (give `from` too).
          schema: {type: string, maxLength: 20}
      responses:
        "200":
          description: The versions, with links to their Turtle.
          content:
            HTML: {schema: {type: string}}
            JSON: {schema: History}
        <<: {"400": BadRequest, "404": NotFound, "406": NotAcceptable, "503": Unavailable}
    """
    fmt = negotiate.choose(HISTORY_FORMATS)
    flow = workflow()
    versions = flow.history(slug)
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
    older, newer = _version_arg("from"), _version_arg("to")
    compared = None
    if older is not False or newer is not False:
        if older is False or newer is False:
            abort(400, description="Comparing needs both 'from' and 'to' (a version number "
                                   "or 'current').")
        added, removed, new, old = flow.compare(slug, older, newer)
        compared = {"from": _version_name(older), "to": _version_name(newer),
                    "changes": describe_changes(added, removed, new, old, store(),
                                                first=cluster),
                    "added": sorted(_nt_lines(added)), "removed": sorted(_nt_lines(removed))}
    if fmt is formats.JSON:
        body = {"cluster": cluster, "versions": rows}
        if compared:
            body["compared"] = {**compared, "changes": compared["changes"].to_json()}
        response = jsonify(body)
    else:
        default_from = versions[1].n if len(versions) > 1 else None
        response = Response(render_template(
            "history.html", cluster=cluster, slug=slug, versions=rows, compared=compared,
            choice={"from": compared["from"] if compared else _version_name(default_from),
                    "to": compared["to"] if compared else "current"}))
    return negotiate.finish(response)


def _version_arg(name: str) -> int | None | bool:
    """Query parameter ``name`` as a version: a number, None for ``current``, False if absent."""
    value = request.args.get(name)
    if value is None or value == "":
        return False
    if value == "current":
        return None
    if value.isdigit() and len(value) < 10:
        return int(value)
    abort(400, description=f"Query parameter {name!r} must be a version number or 'current', "
                           f"got {value[:40]!r}")


def _version_name(n: int | None) -> str:
    return "current" if n is None else str(n)


@bp.get("/id/cluster/<slug>/history/<int:n>")
@bp.get("/id/cluster/<slug>/history/<int:n>.ttl")
def version(slug: str, n: int):
    """One earlier version of a cluster's graph, as Turtle.
    ---
    get:
      summary: An earlier version of a cluster's graph
      parameters: [slug]
      responses:
        "200":
          description: The graph as it was.
          content:
            TURTLE: {schema: {type: string}}
        "404": NotFound
        "503": Unavailable
    """
    graph = workflow().version_graph(slug, n)
    if graph is None:
        abort(404, description=f"No version {n} of cluster {slug!r}")
    negotiate.bind_prefixes(graph)
    return negotiate.rdf_response(graph, formats.TURTLE)

