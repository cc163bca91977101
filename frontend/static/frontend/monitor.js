// Draw the monitoring page's charts over its tables (which stay for keyboard and screen readers).
(function () {
  "use strict";
  // The drawing repeats the table beside it, so screen readers skip it; the toolbar's buttons stay reachable.
  function hideDrawing(plot) {
    plot.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }
  function draw() {
    var holder = document.getElementById("responses-chart");
    var source = document.getElementById("monitor-chart-data");
    if (!holder || !source || !window.Plotly) return;
    var data = JSON.parse(source.textContent);
    if (!data.days.length) return;
    window.Plotly.newPlot(
      holder,
      [
        { x: data.days, y: data.started, name: data.labels.started, type: "bar", marker: { color: "#9cc3e6" } },
        { x: data.days, y: data.finished, name: data.labels.finished, type: "bar", marker: { color: "#0b5cad" } }
      ],
      {
        title: { text: data.labels.title },
        barmode: "group",
        margin: { t: 40, r: 10, b: 40, l: 40 },
        height: 320,
        xaxis: { type: "date" },
        yaxis: { rangemode: "tozero" }
      },
      { displaylogo: false, responsive: true }
    ).then(hideDrawing);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
