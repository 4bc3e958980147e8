/* Home page charts: options come from the server as JSON; a click opens the list it counts. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) { return; }
  var options = JSON.parse(source.textContent);
  var palette = ["#c0392b", "#2c7be5", "#e6a23c", "#27ae60", "#8e44ad", "#16a085", "#d35400"];
  var targets = { "chart-per-year": "per_year", "chart-by-industry": "by_industry", "chart-by-district": "by_district" };
  var charts = [];
  Object.keys(targets).forEach(function (id) {
    var el = document.getElementById(id);
    var option = options[targets[id]];
    if (!el || !option) { return; }
    option.color = palette;
    option.textStyle = { fontFamily: "inherit" };
    // Tooltips drawn on the canvas: ECharts' HTML tooltips are built with style attributes, which the CSP refuses.
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    chart.on("click", function (params) {
      if (params.data && params.data.url) { window.location.href = params.data.url; }
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
