// An app that branches on cluster.isPrimary runs its worker branch once per baton
// worker: exactly N app processes serve under --workers N, no grandchildren, a reload
// under load fails no request, and NODE_APP_INSTANCE (0..N-1) stays with its slot
// across a reload and an upgrade.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { startFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';

/** Pids whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Instance by pid, from enough requests to reach every worker. */
async function instances(port: number, workers: number): Promise<Map<number, string>> {
  const seen = new Map<number, string>();
  await waitFor(`answers from ${workers} workers`, async () => {
    const r = (await getJson(port)) as unknown as { pid: number; instance: string; isWorker: boolean; workerId: number };
    assert.equal(r.isWorker, true, 'cluster.isWorker is true in a baton worker');
    assert.equal(Number(r.instance) + 1, r.workerId, 'cluster.worker.id is the slot');
    seen.set(r.pid, r.instance);
    return seen.size >= workers;
  }, 10_000, 5);
  return seen;
}

test('an app written for node:cluster: N processes under --workers N, reload without failures, NODE_APP_INSTANCE per slot', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'cluster-app.mjs', { workers: 2 });
  const port = await cluster.port();
  const status = await cluster.status();
  for (const w of status.workers) assert.deepEqual(childrenOf(w.pid!), [], `worker ${w.pid} forked nothing`);
  assert.doesNotMatch(cluster.output, /forking 2 workers/, 'the primary branch never ran');
  const bySlot = (s: typeof status) => new Map(s.workers.map((w) => [w.pid!, w.slot]));
  const first = await instances(port, 2);
  const slots = bySlot(status);
  for (const [pid, instance] of first) assert.equal(Number(instance), slots.get(pid)! - 1, 'NODE_APP_INSTANCE is the slot, from 0');
  assert.deepEqual([...first.values()].sort(), ['0', '1']);

  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, sparse: 2, fresh: 1, maxDurationMs: 40_000, maxRequests: 1_000_000 });
  t.after(() => load.stop());
  await waitFor('traffic', () => load.okCount() > 100);
  const reload = await cluster.cli(['reload']);
  assert.equal(reload.code, 0, reload.stderr);
  const upgrade = await cluster.cli(['upgrade']);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  const after = await cluster.status();
  cluster.track([after.pid], true);
  const report = await load.stop();
  assert.equal(report.failed, 0, describeLoad(report));
  const again = await instances(port, 2);
  const slotsAfter = bySlot(after);
  for (const [pid, instance] of again) assert.equal(Number(instance), slotsAfter.get(pid)! - 1, 'each slot keeps its instance number across a reload and an upgrade');
});
