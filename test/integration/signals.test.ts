// Signals at any moment of start-up are queued or refused, never fatal: HUP, USR2 and
// TERM arrive 50, 150 and 300 ms after `baton start` was spawned. HUP and USR2 wait for
// the first workers and then run (a reload; an upgrade to a new master); TERM stops the
// start cleanly. Exactly one master is left serving, and the app answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { test } from 'node:test';
import { Cluster, isAlive, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';

// Node.js boots before any JavaScript runs, and no program can catch a signal then.
// That takes about 20 ms here, but NODE_EXTRA_CA_CERTS (set on these machines) makes
// Node 20 read a certificate bundle first, about 60 ms more. The master under test runs
// without it, so that 50 ms lands in baton's own start-up, which is what this is about.
const ENV = { NODE_EXTRA_CA_CERTS: undefined };

/**
 * Whether baton's first line has run in the process: USR2, which Node leaves alone and
 * baton catches last (cli/baton.cts), has a handler (its bit in /proc/<pid>/status
 * SigCgt). On a loaded machine Node's own boot can outlast 150 ms, and a signal then
 * ends any program; so the test waits for the catch and sends at the later of the two.
 */
function catching(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return mask !== undefined && (BigInt(`0x${mask}`) >> BigInt(constants.signals.SIGUSR2 - 1)) % 2n === 1n;
}

for (const signal of ['SIGHUP', 'SIGUSR2', 'SIGTERM'] as const) {
  for (const ms of [50, 150, 300]) {
    test(`${signal} ${ms} ms after start: ${signal === 'SIGTERM' ? 'a clean stop' : 'queued, then run'}`, { timeout: 30_000 }, async (t) => {
      const tmp = tempDir();
      t.after(tmp.remove);
      const app = useFixture(tmp.dir, 'app.mjs');
      const spawnedAt = performance.now();
      const cluster = Cluster.launch({ app, dir: tmp.dir, workers: 2, env: ENV });
      t.after(() => cluster.destroy());
      await waitFor('the master to catch signals', () => catching(cluster.pid), 10_000, 2);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - (performance.now() - spawnedAt))));
      process.kill(cluster.pid, signal);

      if (signal === 'SIGTERM') {
        const exit = await cluster.exited();
        assert.deepEqual(exit, { code: 0, signal: null }, cluster.output);
        return;
      }
      await cluster.ready();
      const port = await cluster.port();
      if (signal === 'SIGHUP') {
        const reloaded = await waitFor('the queued reload to finish', async () => {
          const s = await cluster.status();
          return s.lastReload?.ok && s.operation === null ? s : undefined;
        });
        assert.equal(reloaded.pid, cluster.pid, 'the same master');
        assert.ok(reloaded.workers.every((w) => w.generation === 2), JSON.stringify(reloaded.workers));
      } else {
        const upgraded = await waitFor('the queued upgrade to finish', async () => {
          const s = await cluster.status().catch(() => undefined);
          return s && s.pid !== cluster.pid && s.state === 'serving' ? s : undefined;
        });
        cluster.track([upgraded.pid], true);
        await waitFor('the first master to exit', () => !isAlive(cluster.pid));
        assert.deepEqual(await cluster.exited(), { code: 0, signal: null });
      }
      assert.equal((await getJson(port)).status, 200, 'the app answers');
      assert.ok(!/internal error|illegal/.test(cluster.output), cluster.output);
    });
  }
}
