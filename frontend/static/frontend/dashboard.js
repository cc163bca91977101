/* Draws the results dashboard's charts with Plotly; every chart's figures are also in a table. */
(function () {
  "use strict";
  // The drawing repeats the table beside it, so screen readers skip it; the toolbar's buttons stay reachable.
  function hideDrawing(plot) {
    plot.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }

  function draw(root) {
    if (!window.Plotly) {
      return;
    }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source || element.dataset.drawn === "1") {
        return;
      }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({ font: { family: "inherit", size: 13 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)" }, figure.layout);
      window.Plotly.newPlot(element, figure.data, layout, { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] }).then(hideDrawing);
      element.dataset.drawn = "1";
    });
  }

  function drawAll() {
    draw(document);
  }

  if (document.readyState === "complete") {
    drawAll();
  } else {
    window.addEventListener("load", drawAll);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(event.target || document);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var results = document.getElementById("results");
    if (results && event.detail.target === results) {
      results.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:afterRequest", function () {
    var results = document.getElementById("results");
    if (results) {
      results.setAttribute("aria-busy", "false");
    }
  });
})();
