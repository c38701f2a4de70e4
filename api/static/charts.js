// The charts of the status and evaluation pages: Apache ECharts (vendored, see scripts/vendor.py) draws each
// div.chart from the JSON the page carries in #chart-data, with axes, a legend and tooltips showing each value as
// the page formats it. Without scripts the tables beside them show the same figures.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);  // the page's language
  function escaped(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }
  function tooltip(spec) {
    return function (params) {
      var rows = [].concat(params);
      if (!rows.length) { return ""; }
      return escaped(rows[0].name) + rows.map(function (p) {
        var series = spec.series[p.seriesIndex];
        var shown = series.shown ? series.shown[p.dataIndex] : p.value;
        return "<br>" + p.marker + escaped(series.name) + ": <strong>" + escaped(shown) + "</strong>";
      }).join("");
    };
  }
  document.querySelectorAll("div.chart[data-chart]").forEach(function (node) {
    var spec = data[node.getAttribute("data-chart")];
    if (!spec) { return; }
    var limits = spec.limits || [];
    var category = { type: "category", data: spec.x, name: spec.x_name || "", nameLocation: "middle", nameGap: 28,
                      axisLabel: { hideOverlap: true } };
    var values = { type: "value", minInterval: 1, axisLabel: { formatter: numbers.format },
                   max: function (v) { return Math.max(v.max, Math.max.apply(null, limits.map(function (l) { return l.value; }).concat([0]))); } };
    var series = spec.series.map(function (s, index) {
      var drawn = { name: s.name, type: spec.kind, data: s.data, showSymbol: false };
      if (index === 0 && limits.length) {
        drawn.markLine = { symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#b35900" },
                           label: { formatter: "{b} {c}", position: "insideStartTop" },
                           data: limits.map(function (l) { return { name: l.name, yAxis: l.value }; }) };
      }
      return drawn;
    });
    var horizontal = Boolean(spec.horizontal);
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      title: { text: spec.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", confine: true, formatter: tooltip(spec) },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: horizontal ? 48 : 24, top: 40, bottom: 56, containLabel: true },
      xAxis: horizontal ? Object.assign({}, values, { axisLabel: { hideOverlap: true, formatter: numbers.format } }) : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true, name: "", axisLabel: { width: 120, overflow: "truncate" } }) : values,
      series: series
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
