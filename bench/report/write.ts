// Writes one run's files: <stamp>.json (all the data), <stamp>.md (the report) and the
// <stamp>-*.svg charts it shows. The stamp is the date, plus "-quick" for a smoke run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdown } from './markdown.js';
import type { ChartFiles } from './markdown.js';
import { barsSvg, timelineSvg } from './svg.js';
import type { Panel } from './svg.js';
import { steadyRows, targets } from './analysis.js';
import type { BenchReport } from './types.js';

/** Writes the report files into dir; returns their paths. */
export function writeReport(report: BenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = `${report.date.slice(0, 10)}${report.mode === 'quick' ? '-quick' : ''}`;
  const charts: ChartFiles = { steady: `${stamp}-steady.svg`, reload: `${stamp}-reload.svg`, master: `${stamp}-master.svg`, idle: `${stamp}-idle.svg` };
  const firstRound = (trials: readonly (Omit<Panel, 'title'> & { system: string; round: number })[]): Panel[] =>
    trials.filter((t) => t.round === 0).map((t) => ({ title: t.system, timeline: t.timeline, events: t.events }));
  const files: [string, string][] = [
    [`${stamp}.json`, JSON.stringify(report, null, 1) + '\n'],
    [
      charts.steady,
      barsSvg(
        'Scenario 1: steady throughput (median of rounds)',
        'req/s',
        report.steady.map((s) => ({
          label: `${s.load} load`,
          bars: steadyRows(report, s.load).map((r) => ({ name: r.system, value: r.rps, note: `(${r.ratio} x node:cluster)` })),
        })),
      ),
    ],
    [charts.reload, timelineSvg('Scenario 2: rolling reloads under load (first round)', firstRound(report.reload))],
    [charts.master, timelineSvg('Scenario 3: master replaced under load (first round)', firstRound(report.master))],
    [charts.idle, timelineSvg(`Scenario 4: ${report.plan.idle.connections} idle keep-alive connections, a reload, then a master replacement`, firstRound(report.idle))],
    [`${stamp}.md`, markdown(report, charts)],
  ];
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  return files.map(([name]) => join(dir, name));
}

/** The targets as plain lines for the console. */
export function findings(report: BenchReport): string[] {
  return targets(report).map((t) => `${t.met ? 'met    ' : 'MISSED '} ${t.what}: ${t.value}`);
}
