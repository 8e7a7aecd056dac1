// A reload's new worker warms up before it takes everything: the old worker of its slot
// serves its connections on for --warm-up beside its successor, which meanwhile takes a
// share of the new connections, and drains after that. The next batch goes on meanwhile
// and the reply waits for the last hold. No request fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFixture, waitFor } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Sample } from '../support/load.js';

const WARM_UP_MS = 2000;

/** When a pid answered first (request start) and last (response end), on the load's clock. */
function span(samples: readonly Sample[], pid: number): { first: number; last: number; count: number } {
  const mine = samples.filter((s) => s.pid === pid);
  return { first: Math.min(...mine.map((s) => s.start)), last: Math.max(...mine.map((s) => s.end)), count: mine.length };
}

test('during a reload the old worker serves on for --warm-up beside its warming successor, then drains; no request fails', { timeout: 90_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, args: ['--warm-up', `${WARM_UP_MS}ms`] });
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 8, fresh: 4, slowEvery: 1_000_000, maxDurationMs: 60_000, maxRequests: 3_000_000 });
  t.after(() => load.stop());
  // The hold is for workers with connections: wait until both have reported theirs.
  const before = await waitFor('both workers report connections', async () => {
    const s = await cluster.status();
    return s.workers.every((w) => w.state === 'ready' && (w.connections ?? 0) > 0) ? s : undefined;
  }, 10_000);

  const startedAt = load.now();
  const reload = await cluster.cli(['reload'], 60_000);
  const returnedAt = load.now();
  const tookMs = returnedAt - startedAt;
  assert.equal(reload.code, 0, reload.stderr);
  const after = await cluster.status();
  const generation = before.generation + 1;
  await waitFor('the old workers to leave', async () => (await cluster.status()).workers.every((w) => w.generation === generation), 15_000);
  const settledAt = load.now();
  await waitFor('traffic after the reload', () => load.okSince(settledAt) > 200, 10_000);
  const report = await load.stop();
  assert.equal(report.failed, 0, describeLoad(report));

  const lines: string[] = [];
  let lastOldAnswer = 0;
  for (const slot of [1, 2]) {
    const old = before.workers.find((w) => w.slot === slot)!.pid!;
    const heir = after.workers.find((w) => w.slot === slot && w.generation === generation)!.pid!;
    const o = span(report.samples, old);
    const n = span(report.samples, heir);
    const overlap = o.last - n.first;
    lastOldAnswer = Math.max(lastOldAnswer, o.last);
    lines.push(`slot ${slot}: old ${old} answered ${o.count} until ${Math.round(o.last)}ms, new ${heir} answered ${n.count} from ${Math.round(n.first)}ms: ${Math.round(overlap)}ms side by side`);
  }
  const detail = `${lines.join('\n')}\nreload took ${Math.round(tookMs)}ms, returned at ${Math.round(returnedAt)}ms\n${describeLoad(report)}`;
  // Without the warm-up an old worker drains the moment its successor is ready: they
  // would answer side by side for the few milliseconds of its last requests.
  for (const line of lines) assert.ok(Number(/(\d+)ms side by side/.exec(line)![1]) >= WARM_UP_MS - 500, `the old worker serves on while the new one warms up:\n${detail}`);
  // The reply waits for the last hold: from then on the old workers only finish what
  // they had (a request in flight, at most a few ms here).
  assert.ok(tookMs >= WARM_UP_MS, `the reload returns once the last old worker drains:\n${detail}`);
  assert.ok(lastOldAnswer - returnedAt < 500, `no new request for the old code after the reload returned:\n${detail}`);
  assert.match(cluster.output, /slot 1: worker \d+ serves its \d+ connections on while worker \d+ warms up; it drains in \d+ms \(--warm-up\)/);
});
