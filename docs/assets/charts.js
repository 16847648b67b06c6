// Charts drawn when they scroll into view. Each <div class="chart" data-figure="ID"> has its Plotly
// figure in <script type="application/json" id="ID">. The site's own copy of plotly.js (the basic
// partial bundle, beside this file) is loaded once, and only when the first chart comes near the
// screen, so a page without charts, or read only at its top, never downloads it. No other host.
// window.__chartsDrawn counts charts drawn (tests wait on it); a failure is shown in words.
(function () {
  "use strict";
  var PLOTLY_JS = "vendor/plotly-basic-4.1.1.min.js";
  var here = document.currentScript.src;
  var base = here.slice(0, here.lastIndexOf("/") + 1);
  var loading = null;
  window.__chartsDrawn = 0;

  function loadPlotly() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = base + PLOTLY_JS;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  // What every figure shares, left out of its JSON (builder/views.py figure_html): builder/charts.py LAYOUT's
  // font, legend and margins, each part of which a figure's own layout overrides.
  var SHARED = {
    font: { family: "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" },
    legend: { orientation: "h", y: -0.25 },
    margin: { t: 30, b: 60, l: 50, r: 10 },
  };

  function withShared(layout) {
    var out = Object.assign({}, layout);
    Object.keys(SHARED).forEach(function (key) {
      out[key] = Object.assign({}, SHARED[key], layout[key]);
    });
    return out;
  }

  function draw(div) {
    var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    figure.layout = withShared(figure.layout || {});
    var options = { displayModeBar: false, responsive: true };
    return loadPlotly()
      .then(function (Plotly) { return Plotly.newPlot(div, figure.data, figure.layout, options); })
      .then(function () {
        div.dataset.drawn = "yes";
        window.__chartsDrawn += 1;
      })
      .catch(function () {
        div.dataset.drawn = "failed";
        div.textContent = "图表未能加载，数字见页面中的表格。 The chart could not be loaded; the numbers are in the tables.";
      });
  }

  function start() {
    var charts = document.querySelectorAll(".chart[data-figure]");
    window.__chartsTotal = charts.length;
    if (!("IntersectionObserver" in window)) {
      charts.forEach(draw);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          draw(entry.target);
        }
      });
    }, { rootMargin: "300px 0px" });
    charts.forEach(function (chart) { observer.observe(chart); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
