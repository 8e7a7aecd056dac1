// socket.io (server and client from npm) across a reload and a master upgrade: the app's
// drain hook closes every connection once its last event is written, the clients
// reconnect to the new generation by themselves, and no event the server sent is lost:
// each connection's ticks arrive in order, without a gap, up to the count its 'bye' names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { startApp } from '../support/apps.js';
import { join } from 'node:path';
import { ROOT, atOnceMs, isAlive, waitFor } from '../support/cluster.js';

const CLIENTS = 20;

interface Client {
  socket: Socket;
  generation: string | undefined;
  connections: number;
  /** The last tick on the current connection, and whether its 'bye' came. */
  last: number;
  bye: boolean;
}

test('socket.io: clients reconnect to the new generation after a reload and an upgrade; no event is lost', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startApp(t, 'socketio.mjs', ['socket.io'], { workers: 2 });
  const port = await cluster.port();
  const problems: string[] = [];
  const disconnects: Record<string, number> = {};
  let ticks = 0;
  let stopping = false;

  const clients: Client[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200, randomizationFactor: 0 });
    const client: Client = { socket, generation: undefined, connections: 0, last: 0, bye: false };
    clients.push(client);
    t.after(() => socket.disconnect());
    socket.on('connect', () => {
      client.connections++;
      client.last = 0;
      client.bye = false;
    });
    socket.on('hello', (hello: { generation: string }) => (client.generation = hello.generation));
    socket.on('tick', (n: number) => {
      ticks++;
      if (n !== client.last + 1) problems.push(`client ${i}: tick ${n} after ${client.last}`);
      client.last = n;
    });
    socket.on('bye', ({ sent }: { sent: number }) => {
      client.bye = true;
      if (sent !== client.last) problems.push(`client ${i}: the server sent ${sent} ticks, ${client.last} arrived`);
    });
    socket.on('disconnect', (reason: string) => {
      client.generation = undefined;
      if (stopping) return;
      disconnects[reason] = (disconnects[reason] ?? 0) + 1;
      if (!client.bye) problems.push(`client ${i}: disconnected (${reason}) without a bye, after tick ${client.last}`);
    });
    socket.on('connect_error', (err: Error) => problems.push(`client ${i}: connect_error ${err.message}`));
  }
  const allOn = (generation: number) => clients.every((c) => c.generation === String(generation) && c.last > 0);
  await waitFor('every client to get ticks from generation 1', () => allOn(1));

  for (const command of ['reload', 'upgrade'] as const) {
    const oldPids = (await cluster.status()).workers.map((w) => w.pid!);
    const began = Date.now();
    const result = await cluster.cli([command]);
    assert.equal(result.code, 0, `${command}: ${result.stderr}\n${cluster.output.slice(-3000)}`);
    // At once (long-polling HTTP connections are among what the old workers hold).
    assert.ok(Date.now() - began < atOnceMs(command), `${command} took ${Date.now() - began}ms`);
    const status = await cluster.status();
    if (command === 'upgrade') cluster.track([status.pid], true);
    await waitFor(`every client to get ticks from generation ${status.generation}`, () => allOn(status.generation), 5_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(clients.map((c) => [c.generation, c.last]))}\n${problems.join('\n')}`);
    });
    await waitFor('the old workers to exit', () => oldPids.every((pid) => !isAlive(pid)), 5_000);
  }
  stopping = true;
  for (const c of clients) c.socket.disconnect();

  assert.deepEqual(problems, []);
  assert.deepEqual(Object.keys(disconnects), ['transport close'], JSON.stringify(disconnects));
  assert.ok(clients.every((c) => c.connections >= 3), `connections per client: ${clients.map((c) => c.connections).join(' ')}`);
  t.diagnostic(`${ticks} ticks; disconnects ${JSON.stringify(disconnects)}; connections per client ${clients.map((c) => c.connections).join(' ')}`);
});

test('examples/socketio/server.mjs runs under baton and its clients reconnect across a reload', { timeout: 30_000 }, async (t) => {
  const { cluster } = await startApp(t, join(ROOT, 'examples', 'socketio', 'server.mjs'), ['socket.io'], { workers: 2 });
  const port = await cluster.port();
  const generations: Array<string | undefined> = [];
  const reasons: string[] = [];
  for (let i = 0; i < 5; i++) {
    const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnectionDelay: 50, randomizationFactor: 0 });
    t.after(() => socket.disconnect());
    socket.on('hello', ({ generation }: { generation: string }) => (generations[i] = generation));
    socket.on('disconnect', (reason: string) => {
      generations[i] = undefined;
      reasons.push(reason);
    });
  }
  await waitFor('every client on generation 1', () => generations.length === 5 && generations.every((g) => g === '1'));
  const result = await cluster.cli(['reload']);
  assert.equal(result.code, 0, result.stderr);
  await waitFor('every client on generation 2', () => generations.every((g) => g === '2'), 5_000);
  assert.ok(reasons.length >= 5 && reasons.every((r) => r === 'transport close'), reasons.join(', '));
});
