// systemd integration, against real stand-ins: a unix datagram socket receives the
// notify messages (READY=1 at start, MAINPID=<new pid> after an upgrade), and a socket
// handed in as socket activation does (LISTEN_FDS) serves and survives an upgrade.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, ROOT, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';

test('the master tells systemd READY=1 when its workers are ready and MAINPID after an upgrade', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const notifySocket = join(tmp.dir, 'notify.sock');
  const receiver = spawn('python3', [join(ROOT, 'test', 'fixtures', 'sd-notify-receiver.py'), notifySocket, '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => receiver.kill('SIGKILL'));
  let received = '';
  receiver.stdout.on('data', (d: Buffer) => (received += d));
  await waitFor('the notify receiver', () => received.includes('listening'));

  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, env: { NOTIFY_SOCKET: notifySocket } });
  t.after(() => cluster.destroy());
  await waitFor('READY=1', () => received.split('\n').includes('READY=1'));

  const upgrade = await cluster.cli(['upgrade']);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  const status = await cluster.status();
  cluster.track([status.pid], true);
  await waitFor(`MAINPID=${status.pid}`, () => received.split('\n').includes(`MAINPID=${status.pid}`));
  assert.ok(received.indexOf('READY=1') < received.indexOf(`MAINPID=${status.pid}`), received);
});

test('a socket from systemd socket activation is served, and handed on by an upgrade', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  // Bound and listening, as systemd passes it; then only the master keeps it.
  const activated = net.createServer();
  await new Promise<void>((resolve) => activated.listen(0, '127.0.0.1', resolve));
  const port = (activated.address() as net.AddressInfo).port;
  const fd = (activated as unknown as { _handle: { fd: number } })._handle.fd;
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, listen: [], activation: [fd] });
  t.after(() => cluster.destroy());
  activated.close();

  const status = await cluster.status();
  assert.deepEqual(status.listeners, [`127.0.0.1:${port}`]);
  assert.match(cluster.output, /systemd socket activation: 127\.0\.0\.1:\d+/);
  assert.equal((await getJson(port)).status, 200);

  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, sparse: 2, fresh: 2, slowEvery: 5, maxDurationMs: 30_000 });
  await waitFor('traffic to flow', () => load.okCount() > 50);
  const upgrade = await cluster.cli(['upgrade']);
  const report = await load.stop();
  assert.equal(upgrade.code, 0, upgrade.stderr);
  cluster.track([(await cluster.status()).pid], true);
  assert.equal(report.failed, 0, describeLoad(report));
  assert.equal((await getJson(port)).generation, '2');
});
