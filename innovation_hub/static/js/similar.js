// 查重: while a studio types an achievement's title, list approved achievements with similar titles.
// Without JavaScript the server fills the same box from the saved title; this only keeps it current.
(function () {
  "use strict";
  var box = document.getElementById("similar-records");
  var input = document.getElementById("title");
  if (!box || !input || !window.fetch || !window.AbortController) return;
  var timer = null;
  var controller = null;
  var last = input.value.trim();

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text; // never innerHTML: titles are user input
    return node;
  }

  function render(hits) {
    box.textContent = "";
    if (!hits.length) return;
    var panel = element("div", "alert alert-info py-2 mb-0");
    panel.append(element("div", "fw-semibold small mb-1",
      "查重：成果库中已有 " + hits.length + " 项名称相近的已公开成果，请确认不是同一成果"));
    var list = element("ul", "list-unstyled small mb-0");
    hits.forEach(function (hit) {
      var item = element("li", "similar-item");
      var link = element("a", "", hit.title);
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      item.append(link, element("span", "text-secondary", " · " + hit.studio + " · " + hit.year + " 年"));
      list.append(item);
    });
    panel.append(list);
    box.append(panel);
  }

  function lookUp() {
    var title = input.value.trim();
    if (title === last) return;
    last = title;
    if (controller) controller.abort();
    if (title.length < 2) {
      render([]);
      return;
    }
    controller = new AbortController();
    var url = box.dataset.url + "?title=" + encodeURIComponent(title);
    if (box.dataset.exclude) url += "&exclude=" + encodeURIComponent(box.dataset.exclude);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && input.value.trim() === title) render(data.hits || []);
      })
      .catch(function () {}); // aborted, offline or logged out: keep what is shown
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 400);
  });
})();
