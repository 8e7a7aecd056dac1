// The soak's verdicts on open fds: a steady climb fails, samples taken while old
// workers still drained are left out of the fit, and too few settled samples fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge } from '../../../bench/soak/report.js';
import type { Sample, SoakReport } from '../../../bench/soak/report.js';
import type { LoadSummary } from '../../../bench/lib/stats.js';

function sample(reloads: number, masterFds: number, workerFds: number, settled = true): Sample {
  return { atMs: reloads * 10_000, after: 'reload', reloads, upgrades: 0, settled, draining: settled ? 0 : 2, masterPid: 100, masterRssKiB: 50_000, masterFds, workers: 2, workerRssKiB: 90_000, workerFds, processes: 3 };
}

function report(samples: Sample[]): SoakReport {
  const load = { requests: 1000, failed: 0, failures: {} } as unknown as LoadSummary;
  return { date: '2026-12-02T00:00:00Z', minutes: 2, workers: 2, reloadEveryMs: 10_000, upgradeEveryMs: 60_000, node: 'v20', load, reloads: samples.length, upgrades: 0, operationErrors: [], samples, leftover: [], verdicts: [] };
}

const verdict = (r: SoakReport, what: string) => judge(r).find((v) => v.what === what)!;

test('flat fd counts pass', () => {
  const r = report([1, 2, 3, 4, 5, 6].map((n) => sample(n, 26, 40)));
  assert.equal(verdict(r, 'master fds').ok, true);
  assert.equal(verdict(r, 'worker fds').ok, true);
});

test('one fd more per reload fails, in the master and in the workers', () => {
  const r = report([1, 2, 3, 4, 5, 6].map((n) => sample(n, 26 + n, 40 + n)));
  assert.equal(verdict(r, 'master fds').ok, false);
  assert.equal(verdict(r, 'worker fds').ok, false);
});

test('samples taken while old workers drained are left out, and the report says so', () => {
  // The unsettled samples carry the draining workers' pipes: fitted, they would look like a leak.
  const r = report([1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n % 3 === 0 ? sample(n, 32, 52, false) : sample(n, 26, 40))));
  const master = verdict(r, 'master fds');
  assert.equal(master.ok, true, master.detail);
  assert.match(master.detail, /2 samples taken while old workers still drained left out/);
  assert.equal(verdict(r, 'worker fds').ok, true);
});

test('fewer than three settled samples cannot be judged, and fail', () => {
  const r = report([1, 2, 3, 4, 5].map((n) => sample(n, 26, 40, n === 1)));
  const master = verdict(r, 'master fds');
  assert.equal(master.ok, false);
  assert.match(master.detail, /only 1 of 5 samples settled/);
  assert.equal(verdict(r, 'worker fds').ok, false);
});
