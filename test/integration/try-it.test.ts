// The README's first commands, in this checkout: `npm start` runs the example app, and
// `npm start -- --listen <address>` moves it there (baton's default listener, port
// 3000, is only the default) instead of adding a second port.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, ROOT, freePort, tempDir } from '../support/cluster.js';
import { NPM_ENV } from '../support/app-install.js';
import { getJson } from '../support/http.js';

test('npm start -- --listen serves the example app on that address alone', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const port = await freePort();
  // Cluster adds --listen and --control (in the temp dir) after the command, and npm
  // passes them on to baton; npm runs the script in the checkout (--prefix).
  const cluster = Cluster.launch({ dir: tmp.dir, listen: [`127.0.0.1:${port}`], command: ['npm', '--prefix', ROOT, 'start', '--'], env: NPM_ENV });
  t.after(() => cluster.destroy());
  await cluster.ready();
  const status = await cluster.status();
  assert.deepEqual(status.listeners, [`127.0.0.1:${port}`], 'no port 3000 beside it');
  assert.equal(status.workers.length, 2);
  const body = await getJson(port, '/');
  assert.equal(body.generation, '1');
  assert.equal(body.url, '/');
  const stop = await cluster.cli(['stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal((await cluster.exited()).code, 0, cluster.output);
});
