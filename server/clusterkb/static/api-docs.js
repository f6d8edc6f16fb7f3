// Starts Swagger UI (shipped with the package, served from /api/ui/) on the API page.
// Nothing inline (the page's Content-Security-Policy allows scripts from this site only)
// and nothing fetched from elsewhere: no validator badge, no remote configuration.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return; // without the bundle the page keeps its link to the document
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    tryItOutEnabled: false
  });
  document.documentElement.classList.add("has-api-ui");
})();
