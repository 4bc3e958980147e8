// The judge's scoring page: the weighted total while the judge types, and a last word before the lock.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form) { return; }
  var inputs = form.querySelectorAll("input.score-input");
  var total = document.getElementById("weighted-total");
  var count = document.getElementById("scored-count");
  function update() {
    var sum = 0, scored = 0;
    inputs.forEach(function (input) {
      var text = input.value.trim();
      var value = Number(text), max = Number(input.dataset.max);
      if (text === "" || !isFinite(value) || value < 0 || value > max) { return; }
      sum += value * Number(input.dataset.weight);
      scored += 1;
    });
    total.textContent = String(Math.round(sum * 100) / 100);
    count.textContent = String(scored);
  }
  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.name === "submit_scores" &&
        !window.confirm(form.dataset.submitConfirm)) {
      event.preventDefault();
    }
  });
  update();
})();
