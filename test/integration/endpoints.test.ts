// The master's own HTTP endpoints as a user meets them: the first log line says where
// --health and --metrics serve, an address in use is named as it was written
// (127.0.0.1:4141) with what to do, and --lb-grace given at start holds a plain
// `baton stop` too, not only SIGTERM.
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, freePort, runCli, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { get, getJson } from '../support/http.js';

test('the first log line says where the health and metrics endpoints serve', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const [health, metrics] = [await freePort(), await freePort()];
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1, args: ['--health', `127.0.0.1:${health}`, '--metrics', `127.0.0.1:${metrics}`] });
  t.after(() => cluster.destroy());
  assert.match(cluster.output, new RegExp(`health checks on http://127\\.0\\.0\\.1:${health}/healthz and /readyz, metrics on http://127\\.0\\.0\\.1:${metrics}/metrics`));
  assert.equal((await get(health, '/healthz')).status, 200);
  assert.equal((await get(metrics, '/metrics')).status, 200);
});

test('a health or metrics address in use fails start, named host:port, with what to do', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = useFixture(tmp.dir, 'app.mjs');
  const occupier = net.createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  t.after(() => occupier.close());
  const port = (occupier.address() as net.AddressInfo).port;
  for (const flag of ['--health', '--metrics']) {
    const what = flag === '--health' ? 'the health endpoint' : 'the metrics endpoint';
    const result = await runCli(['start', app, '--listen', '127.0.0.1:0', flag, `127.0.0.1:${port}`, '--control', join(tmp.dir, 'c.sock')], { cwd: tmp.dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`baton: cannot listen on ${what} 127\\.0\\.0\\.1:${port}: EADDRINUSE\\. Another process is listening there: stop it, or choose another ${flag} address\\.`));
    assert.doesNotMatch(result.stderr, /\{"host"/);
  }
});

test('--lb-grace given at start holds a plain baton stop too: /healthz says 503 while the app still serves', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const health = await freePort();
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 1, args: ['--health', `127.0.0.1:${health}`, '--lb-grace', '2s'] });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  const stopping = cluster.cli(['stop']);
  await waitFor('/healthz to say 503', async () => (await get(health, '/healthz')).status === 503);
  assert.equal((await getJson(port)).status, 200, 'the app still serves during the grace period');
  const stop = await stopping;
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(cluster.output, /baton stop: stopping gracefully; \/healthz says 503 for 2000ms first \(--lb-grace\)/);
});
