// /reports/: the progress of the workbooks built in the background, without reloading the page.
// Each row names its JSON status URL (reports.views.workbook_status); the page works without this
// script too (its state when loaded, and a link to reload it).
(function () {
  "use strict";
  var INTERVAL = 1500;

  function poll(row) {
    var url = row.getAttribute("data-workbook-status");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        show(row, job);
        if (job.status === "queued" || job.status === "running") {
          window.setTimeout(function () { poll(row); }, INTERVAL);
        }
      })
      .catch(function () { /* the reload link still works */ });
  }

  function show(row, job) {
    var label = row.querySelector('[data-field="status_label"]');
    var bar = row.querySelector("progress");
    var percent = row.querySelector('[data-field="percent"]');
    var download = row.querySelector('[data-field="download"]');
    var notice = row.querySelector('[data-field="notice"]');
    label.textContent = job.status_label;
    // Not started a minute after the request: the worker may be stopped (reports.workbook_jobs.NOT_STARTED_NOTICE).
    if (notice) {
      notice.textContent = job.notice || "";
      notice.hidden = !job.notice;
    }
    if (bar) bar.value = job.percent;
    if (percent) percent.textContent = job.percent + "%";
    if (job.status === "done" && job.download_url) {
      if (bar) bar.remove();
      if (percent) percent.remove();
      var link = document.createElement("a");
      link.href = job.download_url;
      link.setAttribute("download", "");
      link.textContent = "ダウンロード";
      download.replaceChildren(link, document.createTextNode("(" + job.expires_label + "まで)"));
    } else if (job.status === "failed") {
      if (bar) bar.remove();
      if (percent) percent.remove();
      download.textContent = "もう一度依頼してください";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var rows = document.querySelectorAll("[data-workbook-status]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].querySelector("progress")) poll(rows[i]);
    }
  });
})();
