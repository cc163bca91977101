// Draw sample-vs-target bars over the representativeness tables (which stay for keyboard and screen readers).
(function () {
  "use strict";
  // The drawing repeats the table beside it, so screen readers skip it; the toolbar's buttons stay reachable.
  function hideDrawing(plot) {
    plot.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }
  function draw() {
    var source = document.getElementById("representativeness-chart-data");
    if (!source || !window.Plotly) return;
    var data = JSON.parse(source.textContent);
    data.variables.forEach(function (variable) {
      var holder = document.querySelector('.rep-chart[data-variable="' + variable.name + '"]');
      if (!holder) return;
      var traces = [
        { x: variable.categories, y: variable.sample, name: data.labels.sample, type: "bar", marker: { color: "#9cc3e6" } },
        { x: variable.categories, y: variable.target, name: data.labels.target, type: "bar", marker: { color: "#0b5cad" } }
      ];
      if (variable.weighted) {
        traces.push({ x: variable.categories, y: variable.weighted, name: data.labels.weighted, type: "bar", marker: { color: "#e0a800" } });
      }
      window.Plotly.newPlot(
        holder,
        traces,
        {
          barmode: "group",
          margin: { t: 10, r: 10, b: 60, l: 50 },
          height: 260,
          yaxis: { tickformat: ".0%", rangemode: "tozero" },
          legend: { orientation: "h" }
        },
        { displaylogo: false, responsive: true }
      ).then(hideDrawing);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
