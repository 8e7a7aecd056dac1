// HTTP/2 (cleartext and TLS) and https/1.1 keep-alive under load across rolling reloads
// and master upgrades. An HTTP/2 session cannot move between processes: the draining
// worker sends it a GOAWAY and finishes its open streams, and the client opens its next
// stream on a new session. An https connection cannot move either: it ends at its next
// response, which says Connection: close. Clients never resend anything.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, isAlive, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { describeH2Load, startH2Load } from '../support/h2-load.js';
import { describeLoad, startLoad } from '../support/load.js';
import { selfSignedCert } from '../support/tls.js';

const ROUNDS = ['reload', 'upgrade', 'reload', 'upgrade'] as const;

/** Runs each round in turn, tracking every new master; the last generation, and every worker it replaced. */
async function roll(cluster: Cluster): Promise<{ generation: number; replaced: number[] }> {
  const replaced: number[] = [];
  for (const command of ROUNDS) {
    replaced.push(...(await cluster.status()).workers.flatMap((w) => (w.pid === null ? [] : [w.pid])));
    const result = await cluster.cli([command]);
    assert.equal(result.code, 0, `${command} failed:\n${result.stderr}\n${cluster.output.slice(-3000)}`);
    if (command === 'upgrade') cluster.track([(await cluster.status()).pid], true);
  }
  return { generation: (await cluster.status()).generation, replaced };
}

for (const tls of [false, true]) {
  const name = tls ? 'HTTP/2 over TLS' : 'HTTP/2 cleartext';
  test(`${name}: reloads and master upgrades under h2 load; every stream completes or was refused unprocessed by a GOAWAY`, { timeout: 120_000 }, async (t) => {
    const tmp = tempDir();
    t.after(tmp.remove);
    const cert = tls ? selfSignedCert(tmp.dir) : undefined;
    const streamLog = join(tmp.dir, 'streams');
    mkdirSync(streamLog);
    const env = { STREAM_LOG_DIR: streamLog, ...(cert ? { TLS_KEY: cert.keyPath, TLS_CERT: cert.certPath } : {}) };
    const cluster = Cluster.launch({ app: useFixture(tmp.dir, 'h2.mjs'), dir: tmp.dir, workers: 2, env });
    t.after(() => cluster.destroy());
    await cluster.ready();
    const port = await cluster.port();

    const load = startH2Load({ url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, ca: cert?.cert, sessions: 4, streams: 8, slowEvery: 5, maxDurationMs: 90_000 });
    t.after(() => load.stop());
    await waitFor('h2 traffic to flow', () => load.okCount() > 200);
    const { generation, replaced } = await roll(cluster);
    const afterLast = load.now();
    await waitFor('h2 traffic a second after the last round', () => load.okSince(afterLast + 1000) > 300);
    const report = await load.stop();
    t.diagnostic(describeH2Load(report).split('\n').slice(0, 3).join('; '));

    assert.equal(report.failed, 0, `failed streams:\n${describeH2Load(report)}`);
    assert.ok(report.goaways > 0, `no session got a GOAWAY:\n${describeH2Load(report)}`);
    // A refused stream is one the server never took: no worker ever received its id.
    await waitFor('every replaced worker to have exited (and written its stream ids)', () => replaced.every((pid) => !isAlive(pid)));
    const received = new Set(readdirSync(streamLog).flatMap((f) => readFileSync(join(streamLog, f), 'utf8').split('\n')));
    const processed = report.refusedIds.filter((id) => received.has(id));
    assert.deepEqual(processed, [], 'streams reported refused had reached a worker');
    const late = report.samples.filter((s) => s.start > afterLast + 1000);
    assert.ok(late.length > 0 && late.every((s) => s.generation === String(generation)), `responses after the last round from old generations:\n${describeH2Load(report)}`);
  });
}

test('https/1.1 keep-alive: reloads and master upgrades under load fail no request', { timeout: 120_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const cert = selfSignedCert(tmp.dir);
  const cluster = Cluster.launch({ app: useFixture(tmp.dir, 'https.mjs'), dir: tmp.dir, workers: 2, env: { TLS_KEY: cert.keyPath, TLS_CERT: cert.certPath } });
  t.after(() => cluster.destroy());
  await cluster.ready();
  const port = await cluster.port();

  const load = startLoad({ target: { host: '127.0.0.1', port }, ca: cert.cert, keepAlive: 6, sparse: 6, fresh: 2, slowEvery: 5, maxDurationMs: 90_000 });
  t.after(() => load.stop());
  await waitFor('https traffic to flow', () => load.okCount() > 100);
  const { generation } = await roll(cluster);
  const afterLast = load.now();
  await waitFor('https traffic a second after the last round', () => load.okSince(afterLast + 1000) > 300);
  const report = await load.stop();
  t.diagnostic(describeLoad(report).split('\n').slice(0, 3).join('; '));

  assert.equal(report.failed, 0, `failed https requests:\n${describeLoad(report)}`);
  const late = report.samples.filter((s) => s.start > afterLast + 1000);
  assert.ok(late.length > 0 && late.every((s) => s.generation === String(generation)), `responses after the last round from old generations:\n${describeLoad(report)}`);
});
