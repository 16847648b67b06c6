// Draw every <div class="chart" data-figure="{plotly figure JSON}"> when it scrolls into view (plotly.js loaded before).
(function () {
  function draw(el) {
    if (el.dataset.drawn || !window.Plotly) return;
    el.dataset.drawn = "1";
    var f = JSON.parse(el.dataset.figure);
    Plotly.newPlot(el, f.data, f.layout, { displayModeBar: false, responsive: true });
  }
  function start() {
    var charts = document.querySelectorAll("div.chart[data-figure]");
    if (!("IntersectionObserver" in window)) { charts.forEach(draw); return; }
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { draw(e.target); seen.unobserve(e.target); } });
    }, { rootMargin: "200px" });
    charts.forEach(function (el) { seen.observe(el); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
