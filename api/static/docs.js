// Starts Swagger UI on /docs (api/docs.py). A file rather than an inline script, so that the page keeps the
// content policy script-src 'self'. The settings are FastAPI's defaults, with no online validator (its badge
// would load an image from outside).
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
