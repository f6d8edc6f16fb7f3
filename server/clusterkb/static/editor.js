// The SPARQL query editor of the query page, shipped with clusterkb: no CDN, no network,
// nothing inline (the page's Content-Security-Policy allows scripts from this site only).
//
// It enhances the plain form, which works without it: syntax colouring (a highlighted copy
// of the text drawn under a transparent textarea, so typing, selection, undo and
// accessibility stay the browser's own), Ctrl+Enter to run, a button that declares the
// KB's prefixes a query uses but does not declare, and sortable result columns.
(function () {
  "use strict";

  var KEYWORDS = new RegExp("^(?:" + [
    "BASE", "PREFIX", "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "FROM", "NAMED",
    "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "SILENT", "BIND", "VALUES", "FILTER",
    "EXISTS", "NOT", "IN", "AS", "DISTINCT", "REDUCED", "ORDER", "BY", "ASC", "DESC",
    "GROUP", "HAVING", "LIMIT", "OFFSET", "UNDEF", "a", "true", "false"].join("|") + ")$", "i");
  // One alternative per token kind; anything else is passed through as plain text.
  var TOKENS = new RegExp([
    "(#[^\\n]*)",                                    // 1 comment
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                      // 3 IRI
    "([?$][A-Za-z0-9_\\u00C0-\\uFFFF]+)",            // 4 variable
    "([A-Za-z][\\w.-]*)?:([\\w.%-]*)",               // 5, 6 prefixed name
    "(\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b)",    // 7 number
    "(\\b[A-Za-z]+\\b)"                              // 8 word (keyword or function)
  ].join("|"), "g");

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function span(kind, text) {
    return "<span class=\"tok-" + kind + "\">" + escapeHtml(text) + "</span>";
  }

  // The query as HTML with one span per token (the text itself is always escaped).
  function highlight(text) {
    var out = "";
    var last = 0;
    TOKENS.lastIndex = 0;
    var m;
    while ((m = TOKENS.exec(text)) !== null) {
      if (m[0] === "") { TOKENS.lastIndex += 1; continue; }
      out += escapeHtml(text.slice(last, m.index));
      if (m[1]) { out += span("comment", m[0]); }
      else if (m[2]) { out += span("string", m[0]); }
      else if (m[3]) { out += span("iri", m[0]); }
      else if (m[4]) { out += span("var", m[0]); }
      else if (m[7]) { out += span("number", m[0]); }
      else if (m[8]) { out += KEYWORDS.test(m[0]) ? span("keyword", m[0]) : escapeHtml(m[0]); }
      else { out += span("pname", m[0]); }
      last = TOKENS.lastIndex;
    }
    // A trailing newline needs a character after it, or the copy is one line short.
    return out + escapeHtml(text.slice(last)) + "\n";
  }

  // Prefixes a query uses (outside strings, IRIs and comments) that it does not declare.
  function missingPrefixes(text, known) {
    var declared = {};
    var used = {};
    text.replace(/PREFIX\s+([A-Za-z][\w.-]*)?:/gi, function (_, name) {
      declared[name || ""] = true; return _;
    });
    TOKENS.lastIndex = 0;
    var m;
    while ((m = TOKENS.exec(text)) !== null) {
      if (m[0] === "") { TOKENS.lastIndex += 1; continue; }
      if (!m[1] && !m[2] && !m[3] && !m[4] && !m[7] && !m[8] && m[5] !== undefined) {
        used[m[5]] = true;
      }
    }
    return Object.keys(used).filter(function (name) {
      return !declared[name] && Object.prototype.hasOwnProperty.call(known, name);
    }).sort();
  }

  function enhanceEditor(textarea) {
    var form = textarea.form;
    var known = {};
    try { known = JSON.parse(textarea.getAttribute("data-prefixes") || "{}"); } catch (e) { known = {}; }

    var wrap = document.createElement("div");
    wrap.className = "editor";
    var shadow = document.createElement("pre");
    shadow.className = "editor-highlight";
    shadow.setAttribute("aria-hidden", "true");
    textarea.parentNode.insertBefore(wrap, textarea);
    wrap.appendChild(shadow);
    wrap.appendChild(textarea);
    textarea.classList.add("editor-input");

    var tools = document.createElement("div");
    tools.className = "editor-tools";
    var declare = document.createElement("button");
    declare.type = "button";
    declare.className = "secondary";
    declare.id = "declare-prefixes";
    tools.appendChild(declare);
    wrap.parentNode.insertBefore(tools, wrap.nextSibling);
    var hint = document.getElementById("editor-hint");
    if (hint) { hint.hidden = false; }

    function refresh() {
      // The textarea grows with its text instead of scrolling: a scrollbar would narrow
      // it and make its lines wrap differently from the highlighted copy.
      textarea.style.height = "auto";
      textarea.style.height = (textarea.scrollHeight + 2) + "px";
      shadow.innerHTML = highlight(textarea.value);
      shadow.scrollTop = textarea.scrollTop;
      shadow.scrollLeft = textarea.scrollLeft;
      var missing = missingPrefixes(textarea.value, known);
      declare.hidden = missing.length === 0;
      declare.textContent = "Declare " + missing.map(function (p) { return p + ":"; }).join(" ");
    }

    declare.addEventListener("click", function () {
      var lines = missingPrefixes(textarea.value, known).map(function (name) {
        return "PREFIX " + name + ": <" + known[name] + ">";
      });
      if (!lines.length) { return; }
      textarea.value = lines.join("\n") + "\n" + textarea.value;
      refresh();
      textarea.focus();
    });
    textarea.addEventListener("input", refresh);
    textarea.addEventListener("scroll", function () {
      shadow.scrollTop = textarea.scrollTop;
      shadow.scrollLeft = textarea.scrollLeft;
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
    refresh();
    document.documentElement.classList.add("has-editor");
  }

  function cellValue(cell) {
    var text = (cell.textContent || "").trim();
    var number = Number(text.split(/\s/)[0]);
    return { text: text, number: text !== "" && !isNaN(number) ? number : null };
  }

  // Click a column heading to sort the rows by it (numbers as numbers); again to reverse.
  function enhanceTable(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) { return; }
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (other) {
          other.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[column]);
          var y = cellValue(b.cells[column]);
          var order = (x.number !== null && y.number !== null) ? x.number - y.number
            : x.text.localeCompare(y.text);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function start() {
    var textarea = document.getElementById("query");
    if (textarea && textarea.form) { enhanceEditor(textarea); }
    Array.prototype.forEach.call(document.querySelectorAll("#results table"), enhanceTable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
