/* Draws the dashboard's plotly figures. Each chart is a <div class="chart" data-figure="…">
   holding the figure's JSON (made by analytics/charts.py): data, not script, so the page
   needs no inline <script> under the Content-Security-Policy. */
(function () {
  "use strict";

  var INDONESIAN = {
    moduleType: "locale",
    name: "id",
    dictionary: {},
    format: {
      days: ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
      shortDays: ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
      months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
        "September", "Oktober", "November", "Desember"],
      shortMonths: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt",
        "Nov", "Des"],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: "."
    }
  };

  function config() {
    var lang = document.documentElement.lang === "en" ? "en" : "id";
    return {
      responsive: true,
      displaylogo: false,
      locale: lang,
      modeBarButtons: [["toImage", "zoom2d", "pan2d", "resetScale2d"]],
      toImageButtonOptions: { format: "png", scale: 2 }
    };
  }

  function draw(element) {
    var figure;
    try {
      figure = JSON.parse(element.getAttribute("data-figure"));
    } catch (error) {
      element.classList.add("chart-failed");
      return;
    }
    window.Plotly.newPlot(element, figure.data, figure.layout, config()).then(function () {
      element.classList.add("chart-drawn");
    });
  }

  function start() {
    if (!window.Plotly) {
      return;
    }
    window.Plotly.register(INDONESIAN);
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-figure]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
