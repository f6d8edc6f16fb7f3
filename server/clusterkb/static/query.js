// Progressive enhancement of the SPARQL query form: once the page has loaded, try to load
// the YASQE editor (syntax highlighting, prefix completion) from jsDelivr. The plain form
// works without it; when the CDN is unreachable nothing changes.
(function () {
  "use strict";
  var CDN = "https://cdn.jsdelivr.net/npm/@triply/yasqe@4.2.28/build/";

  function enhance() {
    var textarea = document.getElementById("query");
    var form = textarea && textarea.form;
    if (!textarea || !form || !window.Yasqe) { return; }
    try {
      var editor = window.Yasqe.fromTextArea(textarea, {
        persistenceId: null, showQueryButton: false, resizeable: true
      });
      textarea.removeAttribute("required");  // hidden behind the editor; it checks itself
      form.addEventListener("submit", function () { editor.save(); });
      document.documentElement.classList.add("has-editor");
    } catch (error) {
      // Keep the plain textarea.
    }
  }

  function load() {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = CDN + "yasqe.min.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = CDN + "yasqe.min.js";
    script.async = true;
    script.onload = enhance;
    document.head.appendChild(script);
  }

  if (document.readyState === "complete") { load(); } else { window.addEventListener("load", load); }
}());
