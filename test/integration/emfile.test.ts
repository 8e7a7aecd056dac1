// Out of file descriptors: under a low open-files limit, with more clients than fds,
// workers keep serving the connections they have, say so once, and serve every client
// again once load drops; the master itself, flooded past its own limit, never dies.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startFixture, waitFor } from '../support/cluster.js';
import { get } from '../support/http.js';

/** Opens `n` connections that each send one request and then stay open; resolves with how many got an answer. */
async function hold(port: number, n: number, t: { after: (fn: () => void) => void }): Promise<{ answered: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  const answered = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        sockets.push(socket);
        socket.setTimeout(5000, () => resolve(false));
        socket.on('error', () => resolve(false));
        socket.on('close', () => resolve(false));
        socket.on('data', (d) => resolve(d.toString().startsWith('HTTP/1.1 200')));
        socket.on('connect', () => socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n'));
      }),
    ),
  );
  return { answered: answered.filter(Boolean).length, sockets };
}

test('EMFILE: workers at their open-files limit keep their connections and recover; the master survives a flood', { timeout: 90_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2, openFiles: 160 });
  const port = await cluster.port();

  // More clients than the two workers have fds for.
  const { answered, sockets } = await hold(port, 500, t);
  assert.ok(answered > 100 && answered < 500, `the workers served what their fds allow: ${answered} of 500`);
  await waitFor('the workers to say they are at their limit', () => /at its open-files limit/.test(cluster.output), 5_000);
  const said = cluster.output.split('\n').filter((l) => l.includes('at its open-files limit')).length;
  assert.ok(said <= 2, `said once per worker, not per connection (${said} lines)`);
  const held = await cluster.status();
  assert.equal(held.workers.filter((w) => w.state === 'ready').length, 2, 'no worker died of it');

  // Load drops: every client is served again.
  for (const s of sockets) s.destroy();
  await waitFor('the connections to be gone', async () => (await cluster.status()).workers.every((w) => (w.connections ?? 0) < 10), 10_000);
  for (let i = 0; i < 50; i++) assert.equal((await get(port)).status, 200, `request ${i} after the load dropped`);

  // The master's own limit: a flood of control connections past it. It logs, and answers afterwards.
  const flood = await Promise.allSettled(
    Array.from({ length: 400 }, () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect(cluster.control);
        socket.on('connect', () => {
          socket.write('{"v":1,"id":1,"cmd":"status"}\n');
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 300);
        });
        socket.on('error', reject);
      }),
    ),
  );
  assert.ok(flood.length === 400);
  // Once the flood has ended (its last connections closing), status answers as always.
  const after = await waitFor('status to answer after the flood', () => cluster.status().catch(() => undefined), 5_000);
  assert.equal(after.pid, held.pid, 'the same master');
  assert.equal(after.workers.filter((w) => w.state === 'ready').length, 2);
  assert.equal((await get(port)).status, 200);
});
