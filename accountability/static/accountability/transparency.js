// Draws the transparency report's charts from the page's JSON data block (json_script), with
// Chart.js served from Parley's own static files. No inline script: the admin's CSP has none.
(function () {
  "use strict";
  var source = document.getElementById("pa-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var options = { responsive: true, maintainAspectRatio: false, animation: false };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) {
      canvas.dataset.drawn = "true";
      return new window.Chart(canvas, config);
    }
    return null;
  }

  draw("pa-chart-clauses", {
    type: "bar",
    data: {
      labels: data.clauses.labels,
      datasets: [
        { label: "Automated", data: data.clauses.automated, backgroundColor: "#7aa6c2" },
        { label: "By moderators", data: data.clauses.moderator, backgroundColor: "#d08c60" },
      ],
    },
    options: Object.assign({ indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true } } }, options),
  });
  [["pa-chart-actions", data.actions], ["pa-chart-appeals", data.appeals], ["pa-chart-notices", data.notices]].forEach(
    function (pair) {
      draw(pair[0], {
        type: "doughnut",
        data: {
          labels: pair[1].labels,
          datasets: [{ data: pair[1].values, backgroundColor: ["#7aa6c2", "#d08c60", "#8fbf8f", "#b9a3cf"] }],
        },
        options: options,
      });
    }
  );
})();
