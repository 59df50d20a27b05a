// The chart of docs/benchmarks.svg, written by hand: four bar panels (three log-scale storm
// panels and the overhead ratio).
import { OVERHEAD_MAX_CPU_RATIO } from '../bar.mjs';
export const COLORS = {
  tokenflight: '#1b7f4c',
  'raw-ky': '#8a8a8a',
  'ky-single-flight': '#3a6db5',
  'ky-readme': '#d08a2c',
  'axios-auth-refresh': '#b8413a',
};

const SHORT = { 'ky-single-flight': 'single-flight', 'axios-auth-refresh': 'axios-a-r' };

const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** One panel: groups on the x axis, one bar per series in each group. */
function panel({ x, y, w, h, title, groups, series, value, log, refLine, color = (_, s) => COLORS[s] ?? '#555', format = fmt }) {
  const top = y + 34;
  const left = x + 46;
  const plotW = w - 56;
  const plotH = h - 74;
  const values = groups.flatMap((g) => series.map((s) => value(g, s))).filter((v) => Number.isFinite(v));
  const max = Math.max(...values, refLine ?? 0, log ? 10 : 0.5);
  // Headroom above the tallest bar for its label; log axes count v + 1 so that 0 sits on the axis.
  const top10 = 10 ** Math.ceil(Math.log10(max));
  const linearTop = Math.ceil((max * 1.15) / 0.5) * 0.5;
  const scale = log ? (v) => Math.log10(v + 1) / Math.log10(top10 * 5) : (v) => v / linearTop;
  const out = [`<text x="${x + 8}" y="${y + 18}" class="t">${esc(title)}</text>`];
  const ticks = log ? [0, 1, 10, 100, 1000, 10000, 100000].filter((t) => t <= top10) : Array.from({ length: linearTop / 0.5 + 1 }, (_, i) => i * 0.5);
  for (const tick of ticks) {
    const ty = top + plotH - scale(tick) * plotH;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${ty}" y2="${ty}" class="g"/><text x="${left - 4}" y="${ty + 3}" class="a" text-anchor="end">${log ? tick.toLocaleString('en-US') : tick.toFixed(1)}</text>`);
  }
  const groupW = plotW / groups.length;
  const barW = Math.max(2, (groupW - 10) / series.length);
  groups.forEach((group, gi) => {
    const gx = left + gi * groupW + 5;
    out.push(`<text x="${gx + (groupW - 10) / 2}" y="${top + plotH + 14}" class="a" text-anchor="middle">${esc(group.label)}</text>`);
    series.forEach((s, si) => {
      const v = value(group, s);
      if (!Number.isFinite(v)) return;
      const bh = Math.max(v === 0 ? 0 : 1, scale(v) * plotH);
      const bx = gx + si * barW;
      out.push(`<rect x="${bx.toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${color(group, s)}"><title>${esc(`${group.label} · ${s}: ${fmt(v)}`)}</title></rect>`);
      const lx = bx + barW / 2 + 3;
      const ly = top + plotH - bh - 3;
      out.push(`<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" class="v" transform="rotate(-90 ${lx.toFixed(1)} ${ly.toFixed(1)})">${format(v)}</text>`);
    });
  });
  if (refLine !== undefined) {
    const ry = top + plotH - scale(refLine) * plotH;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${ry}" y2="${ry}" class="r"/><text x="${left + plotW}" y="${ry - 4}" class="a" text-anchor="end">bar: ${refLine}×</text>`);
  }
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" class="x"/>`);
  return out.join('\n');
}

export function renderSvg(results, labels) {
  const W = 980;
  const PH = 300;
  const storm = results.storm.filter((r) => r.mode === 'visible');
  const sizes = [...new Set(storm.map((r) => r.n))];
  const clients = [...new Set(storm.map((r) => r.client))];
  const groups = sizes.map((n) => ({ n, label: `N=${n}` }));
  const cell = (metric) => (group, client) => storm.find((r) => r.n === group.n && r.client === client)?.[metric] ?? Number.NaN;
  const overheadRows = results.overhead?.rows ?? [];
  const parts = [
    panel({ x: 0, y: 30, w: W / 2, h: PH, title: 'Refresh calls · visibly expired token, N concurrent GETs', groups, series: clients, value: cell('refreshCalls'), log: true }),
    panel({ x: W / 2, y: 30, w: W / 2, h: PH, title: '401s served · visibly expired token', groups, series: clients, value: cell('unauthorized'), log: true }),
    panel({ x: 0, y: 30 + PH, w: W / 2, h: PH, title: 'Failed requests · visibly expired token', groups, series: clients, value: cell('failures'), log: true }),
    panel({
      x: W / 2,
      y: 30 + PH,
      w: W / 2,
      h: PH,
      title: 'Overhead · client CPU per request ÷ raw ky (valid token, median of rounds)',
      groups: overheadRows.map((r) => ({ client: r.client, label: SHORT[r.client] ?? r.client })),
      series: ['ratio'],
      value: (group) => overheadRows.find((r) => r.client === group.client)?.cpuRatio ?? Number.NaN,
      color: (group) => COLORS[group.client] ?? '#555',
      format: (v) => `${v.toFixed(2)}×`,
      log: false,
      refLine: OVERHEAD_MAX_CPU_RATIO,
    }),
  ];
  const ranUpTo = (client) => Math.max(...storm.filter((r) => r.client === client && !r.skipped).map((r) => r.n));
  const legendLabel = (client) => (storm.some((r) => r.client === client && r.skipped) ? `${labels[client] ?? client} (N ≤ ${ranUpTo(client).toLocaleString('en-US')})` : (labels[client] ?? client));
  const legend = clients
    .map((client, i) => `<rect x="${10 + i * 235}" y="8" width="12" height="12" fill="${COLORS[client]}"/><text x="${27 + i * 235}" y="18" class="a">${esc(legendLabel(client))}</text>`)
    .join('\n');
  const H = 30 + 2 * PH + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.t{font-size:13px;font-weight:600;fill:#222}.a{font-size:10px;fill:#444}.v{font-size:9px;fill:#222}.g{stroke:#e4e4e4}.x{stroke:#999}.r{stroke:#c00;stroke-dasharray:4 3}</style>
<rect width="100%" height="100%" fill="#fff"/>
${legend}
${parts.join('\n')}
</svg>
`;
}
