// /admin/ledger/<id>: poll the job's status while it validates or imports; reload the page when it ends.
(function () {
  "use strict";
  var box = document.querySelector(".ledger-progress[data-status-url]");
  if (!box) { return; }
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector(".progress");
  function show(data) {
    box.querySelector(".ledger-stage").textContent = data.stage || data.label;
    box.querySelector(".ledger-done").textContent = data.done;
    box.querySelector(".ledger-total").textContent = data.total;
    bar.style.width = data.percent + "%";  // through the DOM: the CSP forbids style attributes, not this
    bar.textContent = data.percent + "%";
    meter.setAttribute("aria-valuenow", data.percent);
  }
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        show(data);
        if (data.running) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
