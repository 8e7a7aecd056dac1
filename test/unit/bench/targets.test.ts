// The report's steady-throughput targets say, beside baton's ratio, what plain direct
// accept (node:cluster with SCHED_NONE) measured against round robin in the same rounds:
// the room a machine leaves for a ratio that direct accept makes. Judged on the data of a
// committed full run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIRECT_ACCEPT, targets } from '../../../bench/report/analysis.js';
import type { BenchReport } from '../../../bench/report/types.js';
import { ROOT } from '../../support/cluster.js';

const committed = (): BenchReport => JSON.parse(readFileSync(join(ROOT, 'bench', 'results', '2026-12-03.json'), 'utf8')) as BenchReport;
const steadyTarget = (report: BenchReport, load: string) => targets(report).find((t) => t.what.includes(`(${load} load)`))!;

test("each steady target names direct accept's own ratio to round robin, from the same rounds", () => {
  // That run's tables: baton 1.64 x and SCHED_NONE 1.76 x node:cluster with a new connection per request.
  const fresh = steadyTarget(committed(), 'new connection per request');
  assert.equal(fresh.value, "1.64 x (7248.51 vs 4432.26 req/s; node:cluster's own rounds spread 39%; SCHED_NONE (direct accept, no balancing) 1.76 x)");
  assert.equal(fresh.met, true);
  assert.match(steadyTarget(committed(), 'keep-alive').value, /; SCHED_NONE \(direct accept, no balancing\) 1\.15 x\)$/);
});

test('a run without SCHED_NONE rounds says nothing of it, and the verdict is unchanged', () => {
  const report = committed();
  report.steady = report.steady.map((s) => ({ ...s, trials: s.trials.filter((t) => t.system !== DIRECT_ACCEPT) }));
  const fresh = steadyTarget(report, 'new connection per request');
  assert.doesNotMatch(fresh.value, /SCHED_NONE/);
  assert.equal(fresh.met, true);
});
