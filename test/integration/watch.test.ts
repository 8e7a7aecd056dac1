// Watch mode: editing the app reloads it with zero downtime; edits in node_modules and
// dot-directories do not.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';

test('--watch reloads after the app file is edited, and ignores node_modules and dot-directories', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = useFixture(tmp.dir, 'app.mjs');
  mkdirSync(join(tmp.dir, 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(tmp.dir, '.git'));
  const cluster = await Cluster.start({ app, dir: tmp.dir, workers: 2, args: ['--watch'] });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, sparse: 2, fresh: 2, slowEvery: 5, maxDurationMs: 40_000 });
  t.after(() => load.stop());
  await waitFor('traffic to flow', () => load.okCount() > 50);

  writeFileSync(join(tmp.dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  writeFileSync(join(tmp.dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  // An edit to the app: it now also says which release it is.
  writeFileSync(app, readFileSync(app, 'utf8').replace('generation, node: process.version', "generation, node: process.version, release: 'edited'"));

  await waitFor('the reload to finish', async () => (await cluster.status()).lastReload?.ok === true, 20_000);
  assert.equal((await getJson(port)).release, 'edited');
  const status = await cluster.status();
  const report = await load.stop();
  assert.equal(status.generation, 2, 'one reload for the burst of changes');
  assert.equal(report.failed, 0, describeLoad(report));
  const watchLines = cluster.output.split('\n').filter((l) => l.includes('watch: '));
  assert.ok(watchLines.some((l) => l.includes(`${app} changed; reloading`)), watchLines.join('\n'));
  assert.ok(!watchLines.some((l) => /node_modules|\.git/.test(l)), watchLines.join('\n'));
});
