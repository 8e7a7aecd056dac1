// SVG charts written as text, no library: a timeline per system (responses/s, failed
// requests/s on their own axis, reload and master-replacement moments shaded), and a
// bar chart for steady throughput. All panels of a chart share their axes, so systems
// compare at a glance.
import type { EventRecord, Timeline } from '../scenarios/trial.js';

export interface Panel {
  title: string;
  timeline: Timeline;
  events: readonly EventRecord[];
}

const WIDTH = 820;
const LEFT = 64;
const RIGHT = 64;
const PANEL = 150;
const PLOT = 100;
const COLORS = { ok: '#1f6feb', failed: '#d1242f', lost: '#8250df', event: '#f0a020', grid: '#d0d7de', text: '#24292f' };

/** Small multiples, one panel per system, over the same time and rate axes. */
export function timelineSvg(title: string, panels: readonly Panel[]): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const seconds = Math.max(1, ...panels.map((p) => (p.timeline.ok.length * p.timeline.bucketMs) / 1000));
  const perSecond = (p: Panel, n: number) => (n * 1000) / p.timeline.bucketMs;
  const okMax = nice(Math.max(1, ...panels.flatMap((p) => p.timeline.ok.map((n) => perSecond(p, n)))));
  const badMax = nice(Math.max(1, ...panels.flatMap((p) => p.timeline.failed.map((n, i) => perSecond(p, n + (p.timeline.lost?.[i] ?? 0))))));
  const x = (s: number) => LEFT + (s / seconds) * plotWidth;
  const hasLost = panels.some((p) => p.timeline.lost !== undefined);

  const out: string[] = [];
  const top = 56;
  const height = top + panels.length * PANEL + 10;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11" fill="${COLORS.text}">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(text(LEFT, 18, title, 'font-size="14" font-weight="bold"'));
  const legend: [string, string][] = [
    [COLORS.ok, 'responses/s (left axis)'],
    [COLORS.failed, 'failed requests/s (right)'],
    ...(hasLost ? ([[COLORS.lost, 'connections lost/s (right)']] as [string, string][]) : []),
    [COLORS.event, 'reload / new master running'],
  ];
  let lx = LEFT;
  legend.forEach(([color, label]) => {
    out.push(`<rect x="${lx}" y="30" width="12" height="10" fill="${color}"${color === COLORS.event ? ' fill-opacity="0.35"' : ''}/>`);
    out.push(text(lx + 16, 39, label));
    lx += 16 + label.length * 6 + 14;
  });

  panels.forEach((panel, index) => {
    const y0 = top + index * PANEL + 18; // top of the plot area
    const yOk = (v: number) => y0 + PLOT - (v / okMax) * PLOT;
    const yBad = (v: number) => y0 + PLOT - (v / badMax) * PLOT;
    const bucketSeconds = panel.timeline.bucketMs / 1000;
    const failedTotal = panel.timeline.failed.reduce((a, b) => a + b, 0);
    const lostTotal = (panel.timeline.lost ?? []).reduce((a, b) => a + b, 0);
    out.push(text(LEFT, y0 - 6, panel.title, 'font-weight="bold"'));
    out.push(text(WIDTH - RIGHT, y0 - 6, `${failedTotal} failed${panel.timeline.lost ? `, ${lostTotal} lost` : ''}`, `text-anchor="end" fill="${failedTotal + lostTotal > 0 ? COLORS.failed : '#1a7f37'}"`));
    for (const e of panel.events) {
      const ex = x(e.atMs / 1000);
      const ew = Math.max(1, x((e.atMs + e.durationMs) / 1000) - ex);
      out.push(`<rect x="${f(ex)}" y="${y0}" width="${f(ew)}" height="${PLOT}" fill="${COLORS.event}" fill-opacity="0.3"><title>${escape(`${e.label} ${e.ok ? 'ok' : 'FAILED'} (${e.durationMs} ms): ${e.detail}`)}</title></rect>`);
      if (ew > 34) out.push(text(ex + 2, y0 + 10, e.ok ? e.label : `${e.label} FAILED`, 'font-size="9"'));
    }
    for (let g = 0; g <= 4; g++) {
      const gy = y0 + (g / 4) * PLOT;
      out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${f(gy)}" y2="${f(gy)}" stroke="${COLORS.grid}" stroke-width="${g === 4 ? 1 : 0.5}"/>`);
    }
    out.push(text(LEFT - 4, y0 + 4, compact(okMax), `text-anchor="end" fill="${COLORS.ok}"`));
    out.push(text(LEFT - 4, y0 + PLOT + 3, '0', 'text-anchor="end"'));
    out.push(text(WIDTH - RIGHT + 4, y0 + 4, compact(badMax), `fill="${COLORS.failed}"`));
    panel.timeline.failed.forEach((n, i) => {
      const lost = panel.timeline.lost?.[i] ?? 0;
      if (n + lost === 0) return;
      const bx = x(i * bucketSeconds);
      const bw = Math.max(1.5, x((i + 1) * bucketSeconds) - bx - 0.5);
      const failedTop = yBad(perSecond(panel, n));
      if (n > 0) out.push(`<rect x="${f(bx)}" y="${f(failedTop)}" width="${f(bw)}" height="${f(y0 + PLOT - failedTop)}" fill="${COLORS.failed}"/>`);
      if (lost > 0) {
        const lostTop = yBad(perSecond(panel, n + lost));
        out.push(`<rect x="${f(bx)}" y="${f(lostTop)}" width="${f(bw)}" height="${f(failedTop - lostTop)}" fill="${COLORS.lost}"/>`);
      }
    });
    // The last bucket also holds what came after the load was told to stop (requests in
    // flight then, timeouts): it counts for failures but is no rate.
    const points = panel.timeline.ok.slice(0, -1).map((n, i) => `${f(x((i + 0.5) * bucketSeconds))},${f(yOk(perSecond(panel, n)))}`);
    out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS.ok}" stroke-width="1.5"/>`);
    const step = nice(seconds / 8);
    for (let s = 0; s <= seconds + 1e-9; s += step) out.push(text(x(s), y0 + PLOT + 13, `${round1(s)}s`, 'text-anchor="middle" font-size="9"'));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface BarGroup {
  label: string;
  bars: { name: string; value: number; note?: string }[];
}

/** Horizontal bars, one group per load, one bar per system, on one shared scale. */
export function barsSvg(title: string, unit: string, groups: readonly BarGroup[]): string {
  const max = nice(Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value))));
  const labelWidth = 200;
  const barWidth = WIDTH - labelWidth - 120;
  const rows = groups.reduce((n, g) => n + g.bars.length + 1, 0);
  const height = 40 + rows * 18 + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11" fill="${COLORS.text}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(10, 18, title, 'font-size="14" font-weight="bold"'),
  ];
  let y = 40;
  for (const group of groups) {
    out.push(text(10, y + 10, group.label, 'font-weight="bold"'));
    y += 18;
    for (const bar of group.bars) {
      const w = (bar.value / max) * barWidth;
      out.push(text(labelWidth - 6, y + 10, bar.name, 'text-anchor="end"'));
      out.push(`<rect x="${labelWidth}" y="${y + 1}" width="${f(w)}" height="12" fill="${bar.name === 'baton' ? COLORS.ok : '#8c959f'}"/>`);
      out.push(text(labelWidth + w + 4, y + 10, `${compact(bar.value)} ${unit}${bar.note ? ` ${bar.note}` : ''}`));
      y += 18;
    }
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The smallest of 1, 2, 5 x 10^k at or above v. */
function nice(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v - 1e-9)!;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${f(x)}" y="${f(y)}" ${attributes}>${escape(content)}</text>`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function compact(n: number): string {
  return n >= 10_000 ? `${round1(n / 1000)}k` : String(round1(n));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function f(n: number): string {
  return n.toFixed(1);
}
