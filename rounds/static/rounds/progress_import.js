// An Excel upload's page while the worker reads its files (読込中): the page asks the upload's JSON
// status (ProgressImportAdmin.status_view) and opens the preview once the files are read. The page
// works without this script too (its state when loaded, and a link to reload it).
(function () {
  "use strict";
  var INTERVAL = 1500;
  var RETRY = 5000; // after an error of the server or the network: it may answer again

  function poll(section) {
    fetch(section.getAttribute("data-import-status"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status >= 400 && response.status < 500) return null; // signed out: the link remains
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (upload) {
        if (!upload) return;
        if (upload.state !== "reading") {
          // Read (or failed): the preview is drawn by the server, as on any load of the page.
          window.location.assign(upload.preview_url);
          return;
        }
        show(section, upload);
        window.setTimeout(function () { poll(section); }, INTERVAL);
      })
      .catch(function () {
        window.setTimeout(function () { poll(section); }, RETRY);
      });
  }

  function show(section, upload) {
    // Not started a minute after the upload: the worker may be stopped (rounds.progress_imports.NOT_STARTED_NOTICE).
    var notice = section.querySelector('[data-field="notice"]');
    notice.querySelector("li").textContent = upload.notice || "";
    notice.hidden = !upload.notice;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector("[data-import-status]");
    if (section) poll(section);
  });
})();
