/* A button marked data-print prints the page (a file, not an inline handler, so a strict CSP allows it). */
document.querySelectorAll('[data-print]').forEach(function (button) {
  button.addEventListener('click', function () { window.print(); });
});
