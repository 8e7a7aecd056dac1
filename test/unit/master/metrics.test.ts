// Prometheus metrics: what render() reports from a status source, and the /metrics server.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Metrics, serveMetrics } from '../../../src/master/metrics.js';
import type { MetricsSnapshot } from '../../../src/master/metrics.js';

function source(initial: MetricsSnapshot) {
  const state = { snapshot: initial, calls: 0 };
  return {
    state,
    status: () => {
      state.calls += 1;
      return state.snapshot;
    },
  };
}

const fleet: MetricsSnapshot = {
  workers: [
    { state: 'ready', generation: 2, pid: 101, rssBytes: 50_000_000 },
    { state: 'ready', generation: 2, pid: 102, rssBytes: 60_000_000 },
    { state: 'draining', generation: 1, pid: 90, rssBytes: 70_000_000 },
    { state: 'backoff', generation: 2, pid: null },
  ],
  masterRssBytes: 40_000_000,
  restartsTotal: 3,
};

/** Sample lines (no comments), checked to be `name{labels} value` as the text format says. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    out.set(match[1]!, Number(match[2]));
  }
  return out;
}

describe('Metrics.render', () => {
  test('exports each worker\'s connections, requests and event-loop delay by pid and generation', async () => {
    const src = source({
      ...fleet,
      workers: [
        { state: 'ready', generation: 2, pid: 101, connections: 7, requests: 1000, eventLoopDelayMs: 12 },
        { state: 'draining', generation: 1, pid: 90, connections: 40, requests: 50, eventLoopDelayMs: 0 },
      ],
      logLinesDropped: 3,
    });
    const metrics = new Metrics(src, { defaultMetrics: false });
    let s = samples(await metrics.render());
    assert.equal(s.get('baton_worker_connections{pid="101",generation="2"}'), 7);
    assert.equal(s.get('baton_worker_connections{pid="90",generation="1"}'), 40);
    assert.equal(s.get('baton_worker_requests_total{pid="101",generation="2"}'), 1000);
    assert.equal(s.get('baton_worker_event_loop_delay_seconds{pid="101",generation="2"}'), 0.012);
    assert.equal(s.get('baton_log_lines_dropped_total'), 3);
    src.state.snapshot = { ...src.state.snapshot, workers: [{ state: 'ready', generation: 2, pid: 101, connections: 2, requests: 1500 }] };
    s = samples(await metrics.render());
    assert.equal(s.get('baton_worker_requests_total{pid="101",generation="2"}'), 1500, 'a counter that follows the worker');
    assert.equal(s.get('baton_worker_connections{pid="90",generation="1"}'), undefined, 'a worker that is gone leaves no series');
    assert.equal(s.get('baton_worker_requests_total{pid="90",generation="1"}'), undefined);
  });

  test('counts workers by state and generation', async () => {
    const s = samples(await new Metrics(source(fleet), { defaultMetrics: false }).render());
    assert.equal(s.get('baton_workers{state="ready",generation="2"}'), 2);
    assert.equal(s.get('baton_workers{state="draining",generation="1"}'), 1);
    assert.equal(s.get('baton_workers{state="backoff",generation="2"}'), 1);
  });

  test('drops a state and generation with no workers left', async () => {
    const src = source(fleet);
    const metrics = new Metrics(src, { defaultMetrics: false });
    await metrics.render();
    src.state.snapshot = { ...fleet, workers: fleet.workers.filter((w) => w.generation === 2) };
    const s = samples(await metrics.render());
    assert.equal(s.has('baton_workers{state="draining",generation="1"}'), false);
    assert.equal(s.has('baton_worker_resident_memory_bytes{pid="90",generation="1"}'), false);
  });

  test('reports master and worker memory, skipping workers without a process', async () => {
    const text = await new Metrics(source(fleet), { defaultMetrics: false }).render();
    const s = samples(text);
    assert.equal(s.get('baton_master_resident_memory_bytes'), 40_000_000);
    assert.equal(s.get('baton_worker_resident_memory_bytes{pid="101",generation="2"}'), 50_000_000);
    assert.equal(s.get('baton_worker_resident_memory_bytes{pid="90",generation="1"}'), 70_000_000);
    assert.equal([...s.keys()].filter((k) => k.startsWith('baton_worker_resident_memory_bytes')).length, 3);
  });

  test('counts reloads and upgrades by outcome, with their durations', async () => {
    const metrics = new Metrics(source(fleet), { defaultMetrics: false });
    metrics.recordOperation('reload', 'ok', 1.2);
    metrics.recordOperation('upgrade', 'failed', 45);
    metrics.recordOperation('upgrade', 'failed', 0.05);
    const s = samples(await metrics.render());
    assert.equal(s.get('baton_operations_total{kind="reload",outcome="ok"}'), 1);
    assert.equal(s.get('baton_operations_total{kind="upgrade",outcome="failed"}'), 2);
    assert.equal(s.get('baton_operations_total{kind="reload",outcome="failed"}'), 0, 'every series exists from the start');
    assert.equal(s.get('baton_operation_duration_seconds_count{kind="reload",outcome="ok"}'), 1);
    assert.equal(s.get('baton_operation_duration_seconds_sum{kind="reload",outcome="ok"}'), 1.2);
    assert.equal(s.get('baton_operation_duration_seconds_count{kind="upgrade",outcome="failed"}'), 2);
    assert.equal(s.get('baton_operation_duration_seconds_bucket{le="0.1",kind="upgrade",outcome="failed"}'), 1);
    assert.equal(s.get('baton_operation_duration_seconds_bucket{le="30",kind="upgrade",outcome="failed"}'), 1);
    assert.equal(s.get('baton_operation_duration_seconds_bucket{le="60",kind="upgrade",outcome="failed"}'), 2);
    assert.equal(s.get('baton_operation_duration_seconds_bucket{le="120",kind="upgrade",outcome="failed"}'), 2);
    assert.equal(s.get('baton_operation_duration_seconds_count{kind="upgrade",outcome="ok"}'), 0);
  });

  test('follows the source restart total as a counter', async () => {
    const src = source(fleet);
    const metrics = new Metrics(src, { defaultMetrics: false });
    assert.equal(samples(await metrics.render()).get('baton_worker_restarts_total'), 3);
    assert.equal(samples(await metrics.render()).get('baton_worker_restarts_total'), 3, 'no double counting');
    src.state.snapshot = { ...fleet, restartsTotal: 7 };
    assert.equal(samples(await metrics.render()).get('baton_worker_restarts_total'), 7);
    src.state.snapshot = { ...fleet, restartsTotal: 1 };
    assert.equal(samples(await metrics.render()).get('baton_worker_restarts_total'), 1, 'a lower total is a reset');
  });

  test('reads the source once per scrape', async () => {
    const src = source(fleet);
    const metrics = new Metrics(src, { defaultMetrics: false });
    await metrics.render();
    assert.equal(src.state.calls, 1);
  });

  test('adds the default process metrics without colliding, in its own registry', async () => {
    const a = await new Metrics(source(fleet)).render();
    const b = await new Metrics(source(fleet)).render(); // a second registry: no duplicate-name error
    for (const text of [a, b]) {
      const s = samples(text);
      assert.ok((s.get('process_resident_memory_bytes') ?? 0) > 0);
      assert.equal(s.get('baton_master_resident_memory_bytes'), 40_000_000);
    }
  });

  test('uses the Prometheus text format content type', () => {
    const metrics = new Metrics(source(fleet), { defaultMetrics: false });
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  });
});

describe('serveMetrics', () => {
  test('serves GET /metrics and nothing else', async (t) => {
    const metrics = new Metrics(source(fleet), { defaultMetrics: false });
    metrics.recordOperation('reload', 'ok', 2);
    const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const s = samples(await res.text());
    assert.equal(s.get('baton_operations_total{kind="reload",outcome="ok"}'), 1);
    assert.equal(s.get('baton_workers{state="ready",generation="2"}'), 2);

    const other = await fetch(`${base}/other`);
    assert.equal(other.status, 404);
    await other.arrayBuffer();

    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.arrayBuffer();
  });

  test('answers 500 when the source fails', async (t) => {
    const metrics = new Metrics({ status: () => { throw new Error('supervisor gone'); } }, { defaultMetrics: false });
    const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /supervisor gone/);
  });

  test('rejects when the port is taken', async (t) => {
    const metrics = new Metrics(source(fleet), { defaultMetrics: false });
    const first = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
    t.after(() => new Promise<void>((resolve) => first.close(() => resolve())));
    const port = (first.address() as AddressInfo).port;
    await assert.rejects(serveMetrics(metrics, { host: '127.0.0.1', port }), { code: 'EADDRINUSE' });
  });
});
