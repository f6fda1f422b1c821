// The 印刷する button on the printable pages. A file, not inline script, so a strict
// Content-Security-Policy (script-src 'self') still allows it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
