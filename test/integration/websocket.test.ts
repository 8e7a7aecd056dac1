// WebSockets (npm ws) across reloads and master upgrades: a reload or an upgrade returns
// as soon as the new side serves, while old workers drain in the background. With the
// app's drain hook every WebSocket gets a close frame (1012, service restart) and its
// client reconnects to the new generation at once; without it the old worker keeps its
// sockets until the drain deadline. Plain keep-alive HTTP shares the port and fails nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../support/apps.js';
import { join } from 'node:path';
import { ROOT, atOnceMs, isAlive, waitFor } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Load } from '../support/load.js';
import { describeWs, startWsClients } from '../support/ws-clients.js';
import type { WsClients } from '../support/ws-clients.js';

const CLIENTS = 40;

function httpLoad(t: { after: (fn: () => unknown) => void }, port: number): Load {
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 4, sparse: 4, slowEvery: 5, maxDurationMs: 60_000 });
  t.after(() => load.stop());
  return load;
}

function wsClients(t: { after: (fn: () => unknown) => void }, port: number): WsClients {
  const clients = startWsClients({ url: `ws://127.0.0.1:${port}/`, clients: CLIENTS, sendEveryMs: 100, maxDurationMs: 60_000 });
  t.after(() => clients.stop());
  return clients;
}

/** Every worker pid the master runs now. */
async function workerPids(cluster: Cluster): Promise<number[]> {
  return (await cluster.status()).workers.flatMap((w) => (w.pid === null ? [] : [w.pid]));
}

const allOn = (clients: WsClients, generation: number) => clients.current().every((g) => g === String(generation));

test('ws with onDrain: a reload and an upgrade return at once, every WebSocket gets 1012 and reconnects to the new generation', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startApp(t, 'ws-echo.mjs', ['ws'], { workers: 2 });
  const port = await cluster.port();
  const load = httpLoad(t, port);
  const clients = wsClients(t, port);
  await waitFor('every WebSocket to be greeted', () => allOn(clients, 1));
  await waitFor('HTTP traffic to flow', () => load.okCount() > 100);

  for (const command of ['reload', 'upgrade'] as const) {
    const before = await cluster.status();
    const oldPids = await workerPids(cluster);
    const closesBefore = clients.report.closes.length;
    const began = Date.now();
    const result = await cluster.cli([command]);
    const tookMs = Date.now() - began;
    assert.equal(result.code, 0, `${command}: ${result.stderr}\n${cluster.output.slice(-3000)}`);
    // At once (the HTTP load's connections are among what the old workers hold).
    assert.ok(tookMs < atOnceMs(command), `${command} took ${tookMs}ms`);
    const after = await cluster.status();
    if (command === 'upgrade') cluster.track([after.pid], true);
    assert.equal(after.generation, before.generation + 1);
    await waitFor(`every client on generation ${after.generation} after the ${command}`, () => allOn(clients, after.generation), 5_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(clients.current())}\n${describeWs(clients.report)}`);
    });
    // The hook closed them: the old workers are gone long before the 30 s drain deadline.
    await waitFor(`the old workers (${oldPids.join(', ')}) to exit`, () => oldPids.every((pid) => !isAlive(pid)), 5_000);
    const closed = clients.report.closes.slice(closesBefore);
    const clientsClosed = new Set(closed.map((c) => c.client));
    assert.equal(clientsClosed.size, CLIENTS, `only ${clientsClosed.size} clients were closed by the ${command}`);
  }

  const wsReport = await clients.stop();
  const report = await load.stop();
  const codes = new Set(wsReport.closes.map((c) => c.code));
  assert.deepEqual([...codes], [1012], `close codes other than 1012:\n${describeWs(wsReport)}`);
  assert.deepEqual(wsReport.failures, [], describeWs(wsReport));
  assert.ok(wsReport.echoed > CLIENTS * 10, describeWs(wsReport));
  assert.equal(report.failed, 0, `failed HTTP requests:\n${describeLoad(report)}`);
  t.diagnostic(`${describeWs(wsReport)}; ${describeLoad(report).split('\n')[0]}`);
});

test('ws without a hook: the reload returns at once, the old worker keeps its WebSockets until the drain deadline', { timeout: 60_000 }, async (t) => {
  const drainMs = 3_000;
  // The old workers hold the HTTP load's connections too; --warm-up 0 drains them as soon
  // as their successors are ready, so the drain deadline runs from the reload's reply.
  const { cluster } = await startApp(t, 'ws-echo-no-hook.mjs', ['ws'], { workers: 2, args: ['--drain-timeout', `${drainMs}ms`, '--kill-timeout', '1s', '--warm-up', '0'] });
  const port = await cluster.port();
  const load = httpLoad(t, port);
  const clients = wsClients(t, port);
  await waitFor('every WebSocket to be greeted', () => allOn(clients, 1));
  await waitFor('HTTP traffic to flow', () => load.okCount() > 100);
  const oldPids = await workerPids(cluster);
  const spread = (await cluster.status()).workers.map((w) => `${w.pid}: ${w.upgraded ?? '?'} WebSockets, ${w.lastHeartbeatMs ?? '?'}ms since its report`).join('; ');

  t.diagnostic(`before the reload: ${spread}`);
  const reloadAt = clients.now();
  const result = await cluster.cli(['reload']);
  const returnedAt = clients.now();
  assert.equal(result.code, 0, `${result.stderr}\n${cluster.output.slice(-3000)}`);
  assert.ok(returnedAt - reloadAt < drainMs - 1_000, `the reload took ${(returnedAt - reloadAt).toFixed(0)}ms`);

  // The old workers drain with every WebSocket still open, and say so in status.
  let seen: unknown;
  const draining = await waitFor('the draining workers to report their WebSockets', async () => {
    const status = await cluster.status();
    seen = status.workers;
    const old = status.workers.filter((w) => oldPids.includes(w.pid ?? -1));
    const upgraded = old.reduce((n, w) => n + (w.upgraded ?? 0), 0);
    return old.length === oldPids.length && old.every((w) => w.state === 'draining') && upgraded === CLIENTS ? old : undefined;
  }, 2_000).catch((err: Error) => {
    throw new Error(`${err.message}; before the reload ${spread}; status showed ${JSON.stringify(seen)}`);
  });
  assert.ok(draining.every((w) => (w.drainDeadlineInMs ?? 0) > 0), JSON.stringify(draining));
  assert.ok(oldPids.every(isAlive));
  assert.equal(clients.report.closes.length, 0, `WebSockets closed before the deadline:\n${describeWs(clients.report)}`);

  // At the deadline the old workers are ended, and their clients reconnect to generation 2.
  await waitFor('every client on generation 2', () => allOn(clients, 2), drainMs + 5_000);
  const wsReport = await clients.stop();
  const report = await load.stop();
  assert.ok(oldPids.every((pid) => !isAlive(pid)));
  assert.equal(wsReport.closes.length, CLIENTS, describeWs(wsReport));
  for (const close of wsReport.closes) {
    assert.equal(close.generation, '1');
    assert.ok(close.at >= reloadAt + drainMs - 100, `a WebSocket closed ${(close.at - reloadAt).toFixed(0)}ms into a ${drainMs}ms drain`);
    // No close frame: the process was ended with them open.
    assert.equal(close.code, 1006);
  }
  assert.deepEqual(wsReport.failures, [], describeWs(wsReport));
  assert.equal(report.failed, 0, `failed HTTP requests:\n${describeLoad(report)}`);
  t.diagnostic(`${describeWs(wsReport)}; ${describeLoad(report).split('\n')[0]}`);
});

test('examples/websocket/server.mjs runs under baton and moves its clients across a reload', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startApp(t, join(ROOT, 'examples', 'websocket', 'server.mjs'), ['ws'], { workers: 2 });
  const clients = wsClients(t, await cluster.port());
  await waitFor('every WebSocket to be greeted', () => allOn(clients, 1));
  const result = await cluster.cli(['reload']);
  assert.equal(result.code, 0, result.stderr);
  await waitFor('every client on generation 2', () => allOn(clients, 2), 5_000);
  const report = await clients.stop();
  assert.ok(report.closes.length >= CLIENTS && report.closes.every((c) => c.code === 1012), describeWs(report));
  assert.deepEqual(report.failures, []);
  assert.match(cluster.output, /draining: closing \d+ WebSockets/);
});
