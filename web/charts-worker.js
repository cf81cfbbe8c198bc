// The demo page's Chart.js charts, drawn in a worker on OffscreenCanvas so
// that chart layout and drawing never take time from the page's animation
// frames (the scheduler and the hive). A classic worker: it loads Chart.js's
// UMD build (which bundles its colour dependency) from the local server.
//
// Messages in:  { type: 'create', id, canvas, kind, params, width, height, dpr }
//               { type: 'data', id, x: Float64Array, ys: [Float64Array], xmin, xmax, ymax? }
//               { type: 'bars', id, values: number[], ymax? }
//               { type: 'resize', id, width, height }
//               { type: 'destroy', id }
// Messages out: { type: 'drawn', id, points, ms } after each update;
//               { type: 'error', message }.
/* global Chart */
importScripts('/node_modules/chart.js/dist/chart.umd.js');

const MUTED = '#8a96a6', GRID = '#2a3240';
Chart.defaults.color = MUTED;
Chart.defaults.borderColor = GRID;
Chart.defaults.font.size = 11;

const charts = new Map();

const compact = (n) => (Math.abs(n) >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : Math.abs(n) >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : `${Math.round(n)}`);

// Chart.js performance settings (its "Performance" docs): no animation, no
// parsing (data already {x, y}, sorted), normalized, no points, fixed
// bounds, no hover processing, updates with mode 'none'.
function lineConfig(p) {
  return {
    type: 'line',
    data: {
      datasets: p.datasets.map((d) => ({
        label: d.label, data: [], borderColor: d.color, backgroundColor: d.bg ?? d.color,
        fill: d.fill ?? false, stepped: !!d.stepped, borderDash: d.dash ?? [], borderWidth: d.width ?? 1.5,
      })),
    },
    options: {
      animation: false, parsing: false, normalized: true, responsive: false, maintainAspectRatio: false, events: [], spanGaps: true,
      elements: { point: { radius: 0 }, line: { tension: 0 } },
      plugins: { legend: { display: false }, tooltip: { enabled: false }, decimation: { enabled: false } },
      scales: {
        x: { type: 'linear', min: 0, max: 1, ticks: { maxTicksLimit: 5, minRotation: 0, maxRotation: 0, sampleSize: 4, callback: compact } },
        y: { min: p.yMin ?? 0, max: p.yMax, stacked: !!p.stacked, ticks: { maxTicksLimit: 6, precision: 0, sampleSize: 4, callback: compact } },
      },
    },
  };
}

function barConfig(p) {
  return {
    type: 'bar',
    data: { labels: p.labels, datasets: [{ label: p.label, data: p.labels.map(() => 0), backgroundColor: p.color }] },
    options: {
      animation: false, responsive: false, maintainAspectRatio: false, events: [],
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: { y: { min: 0, max: p.yMax, ticks: { maxTicksLimit: 5, precision: 0, callback: compact } } },
    },
  };
}

function points(chart) {
  return chart.data.datasets.reduce((n, d) => n + d.data.length, 0);
}

self.onmessage = (e) => {
  const m = e.data;
  try {
    switch (m.type) {
      case 'create': {
        charts.get(m.id)?.destroy();
        const config = m.kind === 'bar' ? barConfig(m.params) : lineConfig(m.params);
        config.options.devicePixelRatio = m.dpr;
        m.canvas.width = Math.round(m.width * m.dpr);
        m.canvas.height = Math.round(m.height * m.dpr);
        const chart = new Chart(m.canvas, config);
        chart.resize(m.width, m.height);
        charts.set(m.id, chart);
        break;
      }
      case 'data': {
        const chart = charts.get(m.id);
        if (!chart) break;
        const { x, ys } = m;
        chart.data.datasets.forEach((d, i) => {
          const y = ys[i];
          const arr = new Array(y ? x.length : 0);
          for (let k = 0; k < arr.length; k++) arr[k] = { x: x[k], y: y[k] };
          d.data = arr;
        });
        chart.options.scales.x.min = m.xmin;
        chart.options.scales.x.max = m.xmax;
        if (m.ymax !== undefined) chart.options.scales.y.max = m.ymax;
        const t0 = performance.now();
        chart.update('none');
        self.postMessage({ type: 'drawn', id: m.id, points: points(chart), ms: performance.now() - t0 });
        break;
      }
      case 'bars': {
        const chart = charts.get(m.id);
        if (!chart) break;
        chart.data.datasets[0].data = m.values;
        if (m.ymax !== undefined) chart.options.scales.y.max = m.ymax;
        const t0 = performance.now();
        chart.update('none');
        self.postMessage({ type: 'drawn', id: m.id, points: points(chart), ms: performance.now() - t0 });
        break;
      }
      case 'resize': {
        const chart = charts.get(m.id);
        if (chart && m.width > 0 && m.height > 0) chart.resize(m.width, m.height);
        break;
      }
      case 'destroy':
        charts.get(m.id)?.destroy();
        charts.delete(m.id);
        break;
    }
  } catch (err) {
    self.postMessage({ type: 'error', message: `${m.type} ${m.id}: ${err.message}` });
  }
};
