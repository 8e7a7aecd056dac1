// The Prometheus endpoint, scraped and parsed: workers by state and generation, reloads
// and upgrades by outcome with their durations, memory; it follows a master upgrade.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, freePort, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { get } from '../support/http.js';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses Prometheus text exposition format (the sample lines). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of match[2] ? match[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) : []) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

test('--metrics serves Prometheus metrics that follow reloads and upgrades', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const port = await freePort();
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers: 2, args: ['--metrics', `127.0.0.1:${port}`] });
  t.after(() => cluster.destroy());
  const scrape = async () => {
    const res = await get(port, '/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parse(res.body);
  };

  let samples = await scrape();
  assert.equal(value(samples, 'baton_workers', { state: 'ready', generation: '1' }), 2);
  assert.ok((value(samples, 'baton_master_resident_memory_bytes') ?? 0) > 1_000_000);
  assert.equal(samples.filter((s) => s.name === 'baton_worker_resident_memory_bytes' && s.value > 1_000_000).length, 2);
  assert.equal((await get(port, '/elsewhere')).status, 404);

  assert.equal((await cluster.cli(['reload'])).code, 0);
  samples = await scrape();
  assert.equal(value(samples, 'baton_workers', { state: 'ready', generation: '2' }), 2);
  assert.equal(value(samples, 'baton_workers', { state: 'ready', generation: '1' }), undefined);
  assert.equal(value(samples, 'baton_operations_total', { kind: 'reload', outcome: 'ok' }), 1);
  assert.equal(value(samples, 'baton_operation_duration_seconds_count', { kind: 'reload', outcome: 'ok' }), 1);
  assert.ok((value(samples, 'baton_operation_duration_seconds_sum', { kind: 'reload', outcome: 'ok' }) ?? 0) > 0);

  assert.equal((await cluster.cli(['upgrade'])).code, 0);
  const status = await cluster.status();
  cluster.track([status.pid], true);
  samples = await waitFor('the new master to serve metrics', () => scrape().catch(() => undefined));
  assert.equal(value(samples, 'baton_operations_total', { kind: 'upgrade', outcome: 'ok' }), 1);
  assert.equal(value(samples, 'baton_workers', { state: 'ready', generation: '3' }), 2);
  assert.ok((value(samples, 'baton_master_resident_memory_bytes') ?? 0) > 1_000_000);
});
