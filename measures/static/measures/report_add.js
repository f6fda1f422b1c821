"use strict";
// The add-report page: choosing the measure opens the page again for that measure, so that its
// targets by year show above the actual value. What was already typed goes along (the admin
// fills a form from the address), unless it is too long for an address.
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  const form = document.getElementById("progressreport_form");
  const select = document.getElementById("id_measure");
  if (!$ || !form || !select) return;
  const MAX_URL = 6000;
  // The measure the page shows. The admin fires "change" on its related selects itself (to
  // update their links); only a different choice opens the page again, or it would loop.
  const shown = select.value;
  $(select).on("change", function () {
    if (!select.value || select.value === shown) return;
    const url = new URL(window.location.href);
    url.search = "";
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken" || name.startsWith("_") || value === "") continue;
      url.searchParams.set(name, value);
    }
    url.searchParams.set("measure", select.value);
    if (url.toString().length > MAX_URL) {
      url.search = "?measure=" + encodeURIComponent(select.value);
      if (form.querySelector("textarea:not(:placeholder-shown)")) return; // keep the long text
    }
    window.location.assign(url.toString());
  });
});
