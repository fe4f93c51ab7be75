/* Managers' dashboard: draws the bar charts from the page's #dashboard-data with Chart.js 4 (global `Chart`).
   Without Chart.js the chart cards stay hidden and the tables carry the same figures. */
(function () {
  "use strict";

  function readData() {
    var node = document.getElementById("dashboard-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return (value && value.trim()) || fallback;
  }

  /* Horizontal bars: long group and category names stay readable at 375 px. The box is at least as high as
     its rows need (it may grow further beside a taller table). */
  function sizeBox(box, rows, datasets) {
    var height = Math.max(220, 56 + rows * (datasets * 14 + 16));
    box.style.height = "auto";
    box.style.minHeight = height + "px";
  }

  /* A long axis label on several lines: at spaces, or every `width` characters in text without spaces (CJK). */
  function wrapLabel(label, width) {
    var text = String(label === null || label === undefined ? "" : label);
    if (text.length <= width) return text;
    var lines = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      while (word.length > width) {
        if (line) {
          lines.push(line);
          line = "";
        }
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (!word) return;
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) lines.push(line);
    return lines;
  }

  function barChart(name, labels, datasets, options) {
    var card = document.querySelector('[data-chart="' + name + '"]');
    var box = card && card.querySelector(".chart-box");
    if (!box || !labels || !labels.length) return null;
    var canvas = box.querySelector("canvas");
    card.hidden = false;
    sizeBox(box, labels.length, datasets.length);
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels.map(function (label) {
          return wrapLabel(label, /[\u3000-\u9fff]/.test(label) ? 8 : 16);
        }),
        datasets: datasets,
      },
      options: Object.assign(
        {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { position: "bottom" } },
        },
        options
      ),
    });
  }

  function draw() {
    var data = readData();
    if (!data || typeof window.Chart === "undefined") return;
    var texts = data.texts || {};
    var brand = cssVar("--brand", "#0b5cad");
    var bad = cssVar("--bad", "#c62828");
    var ok = cssVar("--ok", "#2e7d32");
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

    var groups = data.groups || {};
    barChart(
      "groups",
      groups.labels,
      [
        { label: texts.open, data: groups.open, backgroundColor: brand, maxBarThickness: 28 },
        { label: texts.overdue, data: groups.overdue, backgroundColor: bad, maxBarThickness: 28 },
      ],
      {
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: texts.tasks } },
        },
      }
    );

    var categories = data.categories || {};
    barChart(
      "categories",
      categories.labels,
      [
        { label: texts.response, data: categories.response, backgroundColor: brand },
        { label: texts.resolution, data: categories.resolution, backgroundColor: ok },
      ],
      {
        scales: {
          x: {
            beginAtZero: true,
            max: 100,
            ticks: {
              callback: function (value) {
                return value + "%";
              },
            },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null || item.raw === undefined ? "—" : item.raw + "%";
                return item.dataset.label + ": " + value;
              },
            },
          },
        },
      }
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
