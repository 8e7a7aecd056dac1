// The config file: read at start (flags win), checked with errors that name the key,
// read again and checked at every reload and upgrade before anything changes.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseListenSpec } from '../../src/config/listen-spec.js';
import { answers } from '../../src/probe.js';
import { Cluster, ROOT, runCli, tempDir, useFixture } from '../support/cluster.js';
import { get, getJson } from '../support/http.js';

function writeConfig(dir: string, config: unknown, name = 'baton.config.json'): string {
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.json') ? JSON.stringify(config, null, 2) : `export default ${JSON.stringify(config)};\n`);
  return path;
}

test('baton.config.json next to the app configures the cluster, and a flag wins over it', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  useFixture(tmp.dir, 'app.mjs');
  writeConfig(tmp.dir, { script: 'app.mjs', workers: 3, listen: '127.0.0.1:0', env: { GREETING: 'from config' }, readyTimeout: '10s', nodeArgs: ['--no-warnings'] });
  const cluster = await Cluster.start({ dir: tmp.dir, args: ['--workers', '1'] });
  t.after(() => cluster.destroy());
  const status = await cluster.status();
  assert.equal(status.workers.length, 1, 'the --workers flag wins over "workers": 3');
  const info = await getJson(await cluster.port(), '/info');
  assert.equal(info.greeting, 'from config');
  assert.ok((info.execArgv as string[]).includes('--no-warnings'));

  // A reload reads the file again: a valid edit reaches the new workers...
  writeConfig(tmp.dir, { script: 'app.mjs', workers: 3, listen: '127.0.0.1:0', env: { GREETING: 'edited' } });
  assert.equal((await cluster.cli(['reload'])).code, 0);
  assert.equal((await getJson(await cluster.port(), '/info')).greeting, 'edited');

  // ...and an invalid one is refused before anything changes, by reload and by upgrade.
  const before = await cluster.status();
  writeConfig(tmp.dir, { script: 'app.mjs', workers: 3, listen: '127.0.0.1:0', drainTimeout: 'soon' });
  for (const command of ['reload', 'upgrade']) {
    const refused = await cluster.cli([command]);
    assert.equal(refused.code, 1, `${command}: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stderr, /invalid value "soon" for "drainTimeout" in .*baton\.config\.json: expected a duration such as 500ms/);
  }
  const after = await cluster.status();
  assert.equal(after.pid, before.pid);
  assert.deepEqual(after.workers.map((w) => w.pid), before.workers.map((w) => w.pid));
  assert.equal(after.generation, before.generation);

  // An upgrade starts the new master with the config as it is on disk now.
  writeConfig(tmp.dir, { script: 'app.mjs', workers: 3, listen: '127.0.0.1:0', env: { GREETING: 'upgraded' } });
  assert.equal((await cluster.cli(['upgrade'])).code, 0);
  cluster.track([(await cluster.status()).pid], true);
  assert.equal((await getJson(await cluster.port(), '/info')).greeting, 'upgraded');
});

test('a config that is not valid is rejected at start with the key, the value and what is allowed', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const app = useFixture(tmp.dir, 'app.mjs');
  const cases: Array<[unknown, RegExp, string?]> = [
    [{ workers: 0 }, /invalid value "0" for "workers" in .*baton\.config\.json: expected a whole number from 1 to 1024/],
    [{ readyTimeout: 'soon' }, /invalid value "soon" for "readyTimeout" in .*: expected a duration/],
    [{ listen: ['3000', 'nonsense:port'] }, /invalid value "nonsense:port" for "listen" in .*: expected a port/],
    [{ batch: '0%' }, /invalid value "0%" for "batch" in .*: expected a worker count/],
    [{ waitReady: 'yes' }, /invalid value "yes" for "waitReady" in .*: expected true or false/],
    [{ env: { PORT: 3000 } }, /invalid value .* for "env" in .*: expected an object of environment variables with string values/],
    [{ maxMemory: '12XB' }, /invalid value "12XB" for "maxMemory" in .*: expected a size/],
    [{ wokers: 2 }, /unknown key "wokers" in .*baton\.config\.json\. Did you mean "workers"\? Known keys: script, args, env, cwd, .*workers/],
    [{ daemon: true }, /"daemon" cannot be set in .*baton\.config\.json: --daemon says how this one "baton start" runs, so it is given on the command line/],
    [{ workers: 'lots' }, /invalid value "lots" for "workers" in .*baton\.config\.mjs/, 'baton.config.mjs'],
  ];
  for (const [config, message, name] of cases) {
    const path = writeConfig(tmp.dir, { listen: '127.0.0.1:0', ...(config as object) }, name);
    const result = await runCli(['start', app, '--config', path, '--control', join(tmp.dir, 'c.sock')], { cwd: tmp.dir, timeoutMs: 10_000 });
    assert.equal(result.code, 2, `${JSON.stringify(config)}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  writeFileSync(join(tmp.dir, 'broken.json'), '{ "workers": 2, }');
  const broken = await runCli(['start', app, '--config', join(tmp.dir, 'broken.json')], { cwd: tmp.dir });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /cannot read config file .*broken\.json: .*JSON/);
  const missing = await runCli(['start', app, '--config', join(tmp.dir, 'nope.json')], { cwd: tmp.dir });
  assert.match(missing.stderr, /config file not found: .*nope\.json \(from --config\)/);
});

/** The README's config example: the first JSON block of its "Config file" section, as it is written there. */
function readmeConfigExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Config file\n'));
  const block = /```json\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```json block in its "Config file" section');
  return block[1]!;
}

test("the README's config example, with the README's example app, becomes ready and serves", { timeout: 60_000 }, async (t) => {
  const text = readmeConfigExample();
  const example = JSON.parse(text) as { listen: string[]; health: string; script: string };
  // The example binds fixed ports: say so plainly if this machine has them in use.
  const ports = [...example.listen, example.health].map((address) => parseListenSpec(address)).filter((spec) => spec.kind === 'tcp');
  for (const spec of ports) {
    const host = spec.host === '0.0.0.0' ? '127.0.0.1' : spec.host;
    if (await answers({ host, port: spec.port })) assert.fail(`port ${spec.port} on ${host} is in use on this machine: the README's config example binds it; free it to run this test`);
  }
  const tmp = tempDir();
  t.after(tmp.remove);
  writeFileSync(join(tmp.dir, 'baton.config.json'), text);
  // The example app is an ES module, as in this repository (whose package.json says so).
  copyFileSync(join(ROOT, 'examples', 'hello', 'server.js'), join(tmp.dir, example.script));
  writeFileSync(join(tmp.dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const cluster = await Cluster.start({ dir: tmp.dir, listen: [], startTimeoutMs: 30_000 });
  t.after(() => cluster.destroy());

  const status = await cluster.status();
  assert.deepEqual(status.listeners, example.listen);
  assert.ok(status.workers.length > 0 && status.workers.every((w) => w.state === 'ready'), JSON.stringify(status.workers));
  for (const address of example.listen) {
    const spec = parseListenSpec(address);
    assert.equal(spec.kind, 'tcp');
    if (spec.kind !== 'tcp') continue;
    const body = await getJson({ host: spec.host, port: spec.port });
    assert.equal(body.generation, '1', address);
  }
  const health = parseListenSpec(example.health);
  if (health.kind === 'tcp') assert.equal((await get({ host: '127.0.0.1', port: health.port }, '/readyz')).status, 200);
  // Its "lbGrace" would hold the stop for 5 s: this stop skips that.
  const stop = await cluster.cli(['stop', '--lb-grace', '1ms']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal((await cluster.exited()).code, 0);
});

test('a config module loads as its package says, and one written as the other kind of module is told what to do', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  // "workers": "lots" is refused with the file's name: proof that baton read the file.
  const body = "{ workers: 'lots', listen: '127.0.0.1:0' }";
  const cases: Array<{ type: 'commonjs' | 'module'; name: string; text: string; expect: RegExp; env?: NodeJS.ProcessEnv }> = [
    { type: 'commonjs', name: 'baton.config.js', text: `module.exports = ${body};\n`, expect: /invalid value "lots" for "workers" in .*baton\.config\.js/ },
    { type: 'commonjs', name: 'baton.config.cjs', text: `module.exports = ${body};\n`, expect: /invalid value "lots" for "workers" in .*baton\.config\.cjs/ },
    // As TypeScript and Babel write CommonJS.
    { type: 'commonjs', name: 'baton.config.cjs', text: `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.default = ${body};\n`, expect: /invalid value "lots" for "workers" in .*baton\.config\.cjs/ },
    { type: 'module', name: 'baton.config.js', text: `export default ${body};\n`, expect: /invalid value "lots" for "workers" in .*baton\.config\.js/ },
    { type: 'module', name: 'baton.config.js', text: `module.exports = ${body};\n`, expect: /cannot load config file .*baton\.config\.js: .*It uses module\.exports, but a \.js file here is an ES module .*: rename it baton\.config\.cjs, or write export default/ },
    // Node.js before 20.19 (and 22.12) does not detect ES module syntax in a CommonJS package: as they do.
    {
      type: 'commonjs',
      name: 'baton.config.js',
      text: `export default ${body};\n`,
      env: { NODE_OPTIONS: '--no-experimental-detect-module' },
      expect: /cannot load config file .*baton\.config\.js: .*It uses export, but a \.js file here is CommonJS .*: rename it baton\.config\.mjs, or write module\.exports = /,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const dir = join(tmp.dir, String(i));
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `app-${i}`, type: c.type }));
    useFixture(dir, 'app.mjs');
    writeFileSync(join(dir, c.name), c.text);
    const result = await runCli(['start', join(dir, 'app.mjs'), '--control', join(dir, 'c.sock')], { cwd: dir, timeoutMs: 10_000, ...(c.env ? { env: c.env } : {}) });
    assert.equal(result.code, 2, `${c.type} ${c.name}: ${result.stderr}`);
    assert.match(result.stderr, c.expect, `${c.type} ${c.name}`);
  }
});
