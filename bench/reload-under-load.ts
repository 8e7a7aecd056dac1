// Benchmark: requests/s, failures and p99 latency of a baton cluster, steady and while
// rolling reloads run back to back, measured one after the other in the same run.
//   npm run bench [-- --seconds 10 --workers 2]
import { parseArgs } from 'node:util';
import { Cluster, tempDir, useFixture } from '../test/support/cluster.js';
import { percentile, startLoad } from '../test/support/load.js';
import type { LoadReport } from '../test/support/load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, workers: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const workers = Number(values.workers);

function summarise(phase: string, report: LoadReport) {
  const fast = report.samples.filter((s) => s.path === '/fast').map((s) => s.end - s.start);
  return {
    phase,
    requests: report.requests,
    'req/s': Math.round(report.ok / (report.durationMs / 1000)),
    failed: report.failed,
    'failures by kind': JSON.stringify(report.failures),
    'p50 ms': Number(percentile(fast, 50).toFixed(2)),
    'p99 ms': Number(percentile(fast, 99).toFixed(2)),
  };
}

const tmp = tempDir('baton-bench-');
const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, workers });
try {
  const port = await cluster.port();
  const load = (ms: number) =>
    startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 16, fresh: 8, sparse: 8, slowEvery: 50, maxDurationMs: ms, maxRequests: 5_000_000 });

  await load(1000).finished; // warm-up
  const steady = await load(seconds * 1000).finished;

  const reloading = load(seconds * 1000);
  const reloadDurations: number[] = [];
  let reloadFailures = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const started = Date.now();
    const result = await cluster.cli(['reload']);
    reloadDurations.push(Date.now() - started);
    if (result.code !== 0) reloadFailures++;
  }
  const during = await reloading.finished;

  const rows = [summarise('steady', steady), summarise('rolling reloads', during)];
  console.log(`baton, ${workers} workers, ${seconds}s per phase, node ${process.version}`);
  console.table(rows);
  console.log(
    `reloads: ${reloadDurations.length - reloadFailures} ok, ${reloadFailures} failed; ` +
      `duration p50 ${percentile(reloadDurations, 50)}ms, max ${Math.max(...reloadDurations)}ms`,
  );
  console.log(`p99 of fast requests, during reloads / steady: ${(rows[1]!['p99 ms'] / rows[0]!['p99 ms']).toFixed(2)}x`);
  if (during.failed > 0 || reloadFailures > 0) process.exitCode = 1;
} finally {
  await cluster.destroy();
  tmp.remove();
}
