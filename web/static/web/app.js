/* Small glue for the workspace pages: everything else is server-rendered HTML and htmx. */
(function () {
  "use strict";
  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  window.PMPage = { readJSON: readJSON };
})();
