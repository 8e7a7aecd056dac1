// The soak's verdicts and report. Leaks show as slopes: memory and fds sampled right
// after each reload (and each upgrade) are fitted with a straight line against the count
// of reloads (upgrades); a leak of a few KiB or one fd per operation stands out over a
// long run even though the samples themselves are noisy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadSummary } from '../lib/stats.js';

/** One sample of the master and its workers. */
export interface Sample {
  atMs: number;
  /** What had just happened. */
  after: 'start' | 'reload' | 'upgrade' | 'end';
  reloads: number;
  upgrades: number;
  /**
   * No operation running and no old worker still draining when it was taken. Only
   * settled samples are fitted: a draining worker still holds its pipes to the master
   * and its last connections.
   */
  settled: boolean;
  /** Old workers still draining (0 when settled, unless the wait ran out). */
  draining: number;
  masterPid: number;
  masterRssKiB: number;
  /** The master's open fds, connections clients have open to the app left out. */
  masterFds: number;
  /** Workers serving (draining ones are not counted). */
  workers: number;
  workerRssKiB: number;
  /** Serving workers' open fds together, connections clients have open to the app left out. */
  workerFds: number;
  /** Processes of this run alive (masters, workers, old masters still draining). */
  processes: number;
}

export interface Verdict {
  what: string;
  ok: boolean;
  detail: string;
}

export interface SoakReport {
  date: string;
  minutes: number;
  workers: number;
  reloadEveryMs: number;
  upgradeEveryMs: number;
  node: string;
  load: LoadSummary;
  reloads: number;
  upgrades: number;
  operationErrors: string[];
  samples: Sample[];
  /** Pids of this run still alive after the stop (and the old masters' drain deadline). */
  leftover: number[];
  verdicts: Verdict[];
}

/** Least-squares slope of y against x (0 with fewer than three points). */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 3) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return 0;
  return points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

/** The slopes per operation: KiB and fds per reload (within one master) and per upgrade (across masters). */
export function slopes(samples: readonly Sample[]) {
  const afterReloads = samples.filter((s) => s.after === 'reload' && s.settled);
  const afterUpgrades = samples.filter((s) => s.after === 'upgrade' && s.settled);
  // Within one master only: an upgrade starts a fresh process.
  const byMaster = (pick: (s: Sample) => number) => {
    const groups = new Map<number, Array<[number, number]>>();
    for (const s of afterReloads) groups.set(s.masterPid, [...(groups.get(s.masterPid) ?? []), [s.reloads, pick(s)]]);
    const fits = [...groups.values()].filter((g) => g.length >= 3).map(slope);
    return fits.length === 0 ? 0 : fits.reduce((a, b) => a + b, 0) / fits.length;
  };
  return {
    masterRssKiBPerReload: byMaster((s) => s.masterRssKiB),
    masterFdsPerReload: byMaster((s) => s.masterFds),
    workerFdsPerReload: slope(afterReloads.map((s) => [s.reloads, s.workerFds])),
    masterRssKiBPerUpgrade: slope(afterUpgrades.map((s) => [s.upgrades, s.masterRssKiB])),
    masterFdsPerUpgrade: slope(afterUpgrades.map((s) => [s.upgrades, s.masterFds])),
  };
}

/** What must hold: no failed request, no failed operation, no fd growth, nothing left over. */
export function judge(report: SoakReport): Verdict[] {
  const s = slopes(report.samples);
  const operations = report.samples.filter((x) => x.after === 'reload' || x.after === 'upgrade');
  const settled = operations.filter((x) => x.settled);
  const first = settled[0];
  const last = settled.at(-1);
  // fds: a settled master holds the same set after every operation; one more now and
  // then is noise, a steady climb is a leak. Too few settled samples is a failure too:
  // old workers that never finish draining are a fault of their own.
  const fdGrowth = first && last ? last.masterFds - first.masterFds : 0;
  const enough = settled.filter((x) => x.after === 'reload').length >= 3;
  const left = operations.length - settled.length;
  const leftOut = left === 0 ? '' : ` (${plural(left, 'sample')} taken while old workers still drained left out)`;
  const tooFew = enough ? '' : `only ${settled.length} of ${operations.length} samples settled (old workers still draining): too few to fit; `;
  return [
    { what: 'failed requests', ok: report.load.failed === 0, detail: `${report.load.failed} of ${report.load.requests} (${JSON.stringify(report.load.failures)})` },
    { what: 'operations', ok: report.operationErrors.length === 0 && report.reloads > 0, detail: `${report.reloads} reloads, ${report.upgrades} upgrades${report.operationErrors.length ? `; failed: ${report.operationErrors.join('; ')}` : ', all succeeded'}` },
    { what: 'master fds', ok: enough && Math.abs(fdGrowth) <= 2 && s.masterFdsPerReload < 0.05, detail: `${tooFew}${first?.masterFds ?? '?'} after the first operation, ${last?.masterFds ?? '?'} after the last; ${s.masterFdsPerReload.toFixed(3)} per reload${leftOut}` },
    { what: 'worker fds', ok: enough && Math.abs(s.workerFdsPerReload) < 0.1, detail: `${tooFew}${s.workerFdsPerReload.toFixed(3)} per reload (all workers together)${leftOut}` },
    { what: 'leftover processes', ok: report.leftover.length === 0, detail: report.leftover.length === 0 ? 'none' : report.leftover.join(', ') },
  ];
}

/** Writes <out>/soak-<date>.json and .md; returns their paths. */
export function writeSoakReport(report: SoakReport, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, `soak-${report.date.slice(0, 10)}`);
  writeFileSync(`${stem}.json`, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(`${stem}.md`, markdown(report));
  return [`${stem}.json`, `${stem}.md`];
}

function markdown(r: SoakReport): string {
  const s = slopes(r.samples);
  const ok = r.verdicts.every((v) => v.ok);
  const masters = new Set(r.samples.map((x) => x.masterPid)).size;
  const rows = r.samples.filter((_, i, all) => i % Math.max(1, Math.ceil(all.length / 40)) === 0 || i === all.length - 1);
  return [
    `# Soak, ${r.date.slice(0, 10)}: ${ok ? 'passed' : 'FAILED'}`,
    '',
    `${plural(r.minutes, 'minute')} on Node.js ${r.node}, ${plural(r.workers, 'worker')}, mixed load (4 keep-alive, 4 sparse keep-alive, 2 new-connection, 2 upload clients posting 64 KB), a reload every ${r.reloadEveryMs / 1000} s and a master upgrade every ${r.upgradeEveryMs / 1000} s: ${plural(r.reloads, 'reload')} and ${plural(r.upgrades, 'upgrade')}, ${plural(masters, 'master')} in all.`,
    '',
    '| verdict | | |',
    '|---|---|---|',
    ...r.verdicts.map((v) => `| ${v.what} | ${v.ok ? 'ok' : '**FAILED**'} | ${v.detail} |`),
    '',
    `Requests: ${r.load.requests} (${r.load.rps} per second), failed ${r.load.failed}; p99 of /fast ${r.load.fast.p99} ms.`,
    '',
    '## Slopes (a leak grows with each operation)',
    '',
    '| | per reload | per upgrade |',
    '|---|---|---|',
    `| master memory (RSS, KiB) | ${s.masterRssKiBPerReload.toFixed(1)} | ${s.masterRssKiBPerUpgrade.toFixed(1)} |`,
    `| master open fds | ${s.masterFdsPerReload.toFixed(3)} | ${s.masterFdsPerUpgrade.toFixed(3)} |`,
    `| workers' open fds (together) | ${s.workerFdsPerReload.toFixed(3)} | |`,
    '',
    'Per reload: within each master (samples after each of its reloads); per upgrade: across masters (after each upgrade). Each sample waits for the old workers to finish draining; samples taken while some still drained are shown but not fitted. Open fds leave out the connections clients have open to the app (ESTABLISHED sockets on its port): what is counted is what a process holds for itself.',
    '',
    '## Samples',
    '',
    '| time | after | reloads | upgrades | settled | master | master RSS | master fds | workers | workers RSS | workers fds | processes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${(x.atMs / 1000).toFixed(0)} s | ${x.after} | ${x.reloads} | ${x.upgrades} | ${x.settled ? 'yes' : `no (${x.draining} draining)`} | ${x.masterPid} | ${(x.masterRssKiB / 1024).toFixed(1)} MB | ${x.masterFds} | ${x.workers} | ${(x.workerRssKiB / 1024).toFixed(1)} MB | ${x.workerFds} | ${x.processes} |`),
    '',
  ].join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
