// The control socket defends itself without disturbing serving: a half-sent request is
// answered and closed within the deadline, clients past the cap get a clear refusal,
// and a flood of 2,000 connections at once leaves `baton status` answering afterwards.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startFixture, waitFor } from '../support/cluster.js';
import { describeLoad, startLoad } from '../support/load.js';

/** A raw control connection that collects what the master sends and when it closes. */
function connect(path: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now())));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({ socket, received: () => data, closed });
    });
  });
}

test('control socket: half-sent requests time out, clients past the cap are refused, a flood leaves status working', { timeout: 60_000 }, async (t) => {
  const { cluster } = await startFixture(t, 'app.mjs', { workers: 2 });
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, fresh: 1, maxDurationMs: 40_000, maxRequests: 500_000 });
  t.after(() => load.stop());
  await waitFor('traffic to flow', () => load.okCount() > 50);

  // Half a request, then nothing: answered with a clear error and closed within the deadline (5 s).
  const half = await connect(cluster.control);
  t.after(() => half.socket.destroy());
  const sentAt = Date.now();
  half.socket.write('{"v":1,"id":7,"cmd":"sta');
  const closedAt = await half.closed;
  assert.ok(closedAt - sentAt >= 4_500 && closedAt - sentAt < 7_000, `closed after ${closedAt - sentAt}ms`);
  assert.match(half.received(), /"ok":false.*BATON_BAD_REQUEST.*an incomplete request \(no newline\) within 5000ms/);

  // 64 idle clients fill the socket; the next one is refused at once, with a reason.
  const idle = await Promise.all(Array.from({ length: 64 }, () => connect(cluster.control)));
  t.after(() => idle.forEach((c) => c.socket.destroy()));
  const extra = await connect(cluster.control);
  await extra.closed;
  assert.match(extra.received(), /BATON_CONTROL_BUSY.*serves 64 clients/);
  for (const c of idle) c.socket.destroy();

  // A flood: 2,000 connections at once, each sending a status request.
  const flood = await Promise.allSettled(
    Array.from({ length: 2000 }, async () => {
      const c = await connect(cluster.control);
      c.socket.write('{"v":1,"id":1,"cmd":"status"}\n');
      await c.closed.catch(() => {});
      return c.received();
    }),
  );
  const refused = flood.filter((r) => r.status === 'fulfilled' && r.value.includes('BATON_CONTROL_BUSY')).length;
  assert.ok(refused > 0, 'some of the flood met the cap');
  // Afterwards (once the flood's last connections have closed) the CLI gets its answer as always.
  const status = await waitFor('status to answer after the flood', () => cluster.status().catch(() => undefined), 5_000);
  assert.equal(status.workers.filter((w) => w.state === 'ready').length, 2);

  const report = await load.stop();
  assert.equal(report.failed, 0, `serving was disturbed:\n${describeLoad(report)}`);
});
