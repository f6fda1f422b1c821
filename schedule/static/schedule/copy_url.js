// The subscription page's コピー buttons: each copies the URL in its row to the clipboard and says
// so in the row's status (read out by screen readers). Without this script the buttons stay hidden
// and the URL is selected and copied by hand.
(function () {
  "use strict";
  function copy(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }
  document.querySelectorAll("button.copy-url").forEach(function (button) {
    var input = document.getElementById(button.dataset.target);
    var status = document.getElementById(button.dataset.status);
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(input).then(
        function () { status.textContent = "コピーしました。"; },
        function () { input.select(); status.textContent = "コピーできませんでした。選択した URL をコピーしてください。"; }
      );
    });
  });
})();
