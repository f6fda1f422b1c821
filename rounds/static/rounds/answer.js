// The department's draft saves itself as the person types (rounds.views._answer_autosave): two
// seconds after the last change, the form is posted as 下書きを保存 would post it, and the page takes
// back each row's version and loaded values, so that the next save merges with colleagues' changes
// instead of overwriting them. Without JavaScript the buttons do the same.
(function () {
  "use strict";
  const form = document.querySelector("form.answer-form[data-autosave]");
  if (!form) return;
  const status = form.querySelector(".autosave-status");
  let timer = null;
  let running = false;
  let again = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  async function save() {
    if (running) { again = true; return; }
    running = true;
    const data = new FormData(form);
    data.set("action", "autosave");
    // Not form.action: the buttons named "action" shadow it.
    try {
      const response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"Accept": "application/json"},
      });
      const body = await response.json();
      if (body.saved) {
        for (const [prefix, row] of Object.entries(body.rows || {})) {
          const version = form.querySelector(`[name="${prefix}-version"]`);
          const state = form.querySelector(`[name="${prefix}-loaded_state"]`);
          if (version) version.value = row.version;
          if (state) state.value = row.state;
        }
        for (const [name, value] of Object.entries(body.values || {})) {
          const input = form.querySelector(`[name="${name}"]`);
          if (input) input.value = value;
        }
        const answerVersion = form.querySelector('[name="answer_version"]');
        if (answerVersion) answerVersion.value = body.answer_version;
        if (body.message) say(body.message);
      } else {
        say(body.message);
      }
    } catch (error) {
      say("自動保存できませんでした(通信エラー)。「下書きを保存」を押してください。入力はこの画面に残っています。");
    } finally {
      running = false;
      if (again) { again = false; save(); }
    }
  }

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
