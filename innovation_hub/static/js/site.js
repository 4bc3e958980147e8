// Small behaviours of every page, kept out of the templates so the pages run under a CSP without inline script.
(function () {
  "use strict";
  // A confirmation before a form that asks for one (data-confirm="…") is sent.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  // Print buttons (data-print).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Progress bars: the width comes as data-progress (a percentage), set through the DOM, which CSP allows,
  // rather than a style attribute, which it does not.
  document.querySelectorAll("[data-progress]").forEach(function (bar) {
    var value = Number(bar.dataset.progress);
    if (isFinite(value)) { bar.style.width = Math.max(0, Math.min(100, value)) + "%"; }
  });
})();
