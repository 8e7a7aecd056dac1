// Streaming responses across reloads and master upgrades. A response still streaming when
// the drain starts is an in-flight request: with the app's drain hook (sse.mjs ends every
// event stream) the streams end at drain start and each client reconnects, on its
// keep-alive connection, to the new generation; without it a stream runs on until the
// drain deadline ends the old worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../support/apps.js';
import { isAlive, waitFor } from '../support/cluster.js';
import { describeSse, startSseClients } from '../support/sse-clients.js';

const CLIENTS = 10;

test('SSE with onDrain: streams end at drain start and clients reconnect to the new generation', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startApp(t, 'sse.mjs', [], { workers: 2 });
  const port = await cluster.port();
  const clients = startSseClients({ port, clients: CLIENTS, maxDurationMs: 40_000 });
  t.after(() => clients.stop());
  const allOn = (generation: number) => clients.current().every((g) => g === String(generation));
  await waitFor('every client to stream from generation 1', () => allOn(1));

  for (const command of ['reload', 'upgrade'] as const) {
    const oldPids = (await cluster.status()).workers.map((w) => w.pid!);
    const before = clients.report.streams.length;
    const began = clients.now();
    const result = await cluster.cli([command]);
    const returned = clients.now();
    assert.equal(result.code, 0, `${command}: ${result.stderr}\n${cluster.output.slice(-3000)}`);
    const status = await cluster.status();
    if (command === 'upgrade') cluster.track([status.pid], true);
    await waitFor(`every client to stream from generation ${status.generation}`, () => allOn(status.generation), 5_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(clients.current())}\n${describeSse(clients.report)}`);
    });
    await waitFor('the old workers to exit, long before the drain deadline', () => oldPids.every((pid) => !isAlive(pid)), 5_000);

    const ended = clients.report.streams.slice(before).filter((s) => s.generation !== String(status.generation));
    assert.ok(ended.length >= CLIENTS, `only ${ended.length} old streams ended:\n${describeSse(clients.report)}`);
    for (const s of ended) {
      assert.equal(s.how, 'end', `a stream was cut, not ended:\n${JSON.stringify(s)}`);
      // Ended by the hook when its worker began to drain, which is before the command returned.
      assert.ok(s.endedAt > began && s.endedAt < returned + 500, `a stream of ${command} ended ${(s.endedAt - returned).toFixed(0)}ms after it returned`);
    }
  }
  const report = clients.stop();
  assert.deepEqual(report.failures, [], `${describeSse(report)}\n${cluster.output.slice(-4000)}`);
  assert.ok(report.streams.every((s) => s.how === 'end'), describeSse(report));
  t.diagnostic(describeSse(report));
});

test('a stream without a hook is an in-flight request: it runs on through the reload until the drain deadline', { timeout: 60_000 }, async (t) => {
  const drainMs = 2_000;
  const { cluster } = await startApp(t, 'sse.mjs', [], { workers: 1, env: { SSE_NO_HOOK: '1' }, args: ['--drain-timeout', `${drainMs}ms`, '--kill-timeout', '1s'] });
  const port = await cluster.port();
  const clients = startSseClients({ port, clients: 3, maxDurationMs: 40_000 });
  t.after(() => clients.stop());
  await waitFor('every client to stream from generation 1', () => clients.current().every((g) => g === '1'));

  const began = clients.now();
  const result = await cluster.cli(['reload']);
  const returned = clients.now();
  assert.equal(result.code, 0, result.stderr);
  assert.ok(returned - began < drainMs - 500, `the reload took ${(returned - began).toFixed(0)}ms`);
  await waitFor('every client to stream from generation 2', () => clients.current().every((g) => g === '2'), drainMs + 5_000);
  const report = clients.stop();

  const old = report.streams.filter((s) => s.generation === '1');
  assert.equal(old.length, 3, describeSse(report));
  for (const s of old) {
    // Events kept coming from the draining worker until its deadline, then it was ended.
    assert.ok(s.lastEventAt > began + drainMs - 300, `the old stream's last event came ${(s.lastEventAt - began).toFixed(0)}ms into a ${drainMs}ms drain`);
    assert.equal(s.how, 'cut');
  }
  assert.deepEqual(report.failures, [], describeSse(report));
});
