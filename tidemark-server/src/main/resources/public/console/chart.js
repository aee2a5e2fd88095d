// Time-series charts with uPlot (served from its WebJar): one line per series, told apart by colour and by dash
// pattern, with the series named in the legend, so a chart reads without colour too.
import uPlot from '/webjars/uplot/1.6.30/dist/uPlot.esm.js';

const COLOURS = ['#1f5fbf', '#c0392b', '#1e8449', '#8e44ad', '#b9770e', '#117a8b', '#6e2c00', '#555555'];
const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 2], [12, 6], [6, 2, 2, 2]];

/**
 * A chart in `el`. names: series labels; data: [xs (seconds), ys per series (numbers or null)].
 * Returns {set(names, data)} to redraw; it recreates the plot when the series change.
 */
export function timeChart(el, title) {
  let plot = null;
  let key = '';
  const width = () => Math.max(300, Math.min(el.clientWidth || 900, 1100));
  function set(names, data) {
    const k = names.join('\u0000');
    if (!plot || k !== key) {
      if (plot) plot.destroy();
      key = k;
      plot = new uPlot({
        title, width: width(), height: 260,
        scales: {x: {time: true}},
        series: [{label: 'time (UTC)', value: (u, v) => v === null ? '—' : new Date(v * 1000).toISOString()}]
            .concat(names.map((n, i) => ({label: n, stroke: COLOURS[i % COLOURS.length],
              dash: DASHES[Math.floor(i / 1) % DASHES.length], width: 1.5, spanGaps: true,
              points: {show: data[0].length < 60}}))),
        axes: [{}, {size: 60}],
        tzDate: ts => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      }, data, el);
      return;
    }
    plot.setData(data);
  }
  return {set, destroy: () => plot && plot.destroy()};
}

/** Aligns per-series points [[x, y], …] on the union of their xs (uPlot's data layout). */
export function align(seriesPoints) {
  const xs = [...new Set(seriesPoints.flatMap(ps => ps.map(p => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = seriesPoints.map(ps => {
    const y = new Array(xs.length).fill(null);
    for (const [x, v] of ps) y[index.get(x)] = v;
    return y;
  });
  return [xs, ...ys];
}
