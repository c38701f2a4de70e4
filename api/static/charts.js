// The evaluation page's charts: Apache ECharts (vendored, see scripts/vendor.py) draws each div.chart from the
// JSON the page carries in #chart-data. Without scripts the tables beside them show the same figures.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  document.querySelectorAll("div.chart[data-chart]").forEach(function (node) {
    var spec = data[node.getAttribute("data-chart")];
    if (!spec) { return; }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      title: { text: spec.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: spec.x },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) { return { name: s.name, type: spec.kind, data: s.data, showSymbol: false }; })
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
