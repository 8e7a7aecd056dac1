// PM2 ecosystem files translated into baton's settings: every PM2 key baton takes, the
// forms of instances, env profiles, --only, the one warning that names every key baton
// does not use, and clear errors for a bad file, in either module format.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatNotices, isEcosystemName, translateEcosystem, words } from '../../../src/config/ecosystem.js';
import type { EcosystemContext } from '../../../src/config/ecosystem.js';
import { readEcosystem } from '../../../src/config/ecosystem-file.js';

const CTX: EcosystemContext = { file: '/srv/ecosystem.config.js', cwd: '/srv', home: '/home/u', cpus: 4 };

/** Translates a file of these apps; `more` adds to the context (profile, only). */
const translate = (apps: unknown[], more: Partial<EcosystemContext> = {}) => translateEcosystem({ apps }, { ...CTX, ...more });
/** The one app of a file holding `app`. */
const one = (app: Record<string, unknown>, more: Partial<EcosystemContext> = {}) => translate([{ script: 'server.js', ...app }], more).apps[0]!;
const keys = (app: { notices: Array<{ key: string }> }) => app.notices.map((n) => n.key);

describe('ecosystem translation: the keys', () => {
  test('name, script, args and cwd: paths resolve as PM2 resolves them (cwd against the current directory, the rest against cwd)', () => {
    const app = one({ name: 'web', script: 'dist/server.js', cwd: 'app', args: ['--mode', 'blue', 7], env: { PORT: '3000' } });
    assert.equal(app.name, 'web');
    assert.equal(app.config.cwd, '/srv/app');
    assert.equal(app.config.script, '/srv/app/dist/server.js');
    assert.deepEqual(app.config.args, ['--mode', 'blue', '7']);
    assert.equal(one({ script: '/opt/x/main.js', cwd: '~/site' }).config.cwd, '/home/u/site');
    assert.equal(one({ script: '/opt/x/main.js' }).config.script, '/opt/x/main.js');
  });

  test('args and node_args as one string are split into words as PM2 splits them, quotes grouping', () => {
    assert.deepEqual(one({ args: '--mode blue "two words"' }).config.args, ['--mode', 'blue', 'two words']);
    assert.deepEqual(words("--title='a b' -x", () => assert.fail()), ["--title='a b'", '-x']);
    assert.deepEqual(one({ node_args: '--max-old-space-size=512 --enable-source-maps' }).config.nodeArgs, ['--max-old-space-size=512', '--enable-source-maps']);
  });

  test('node_args, and its PM2 aliases interpreter_args and interpreterArgs, become nodeArgs', () => {
    assert.deepEqual(one({ node_args: ['--inspect'] }).config.nodeArgs, ['--inspect']);
    assert.deepEqual(one({ interpreter_args: ['--inspect'] }).config.nodeArgs, ['--inspect']);
    assert.deepEqual(one({ interpreterArgs: '--inspect' }).config.nodeArgs, ['--inspect']);
    assert.throws(() => one({ node_args: ['-a'], interpreter_args: ['-b'] }), { code: 'BATON_USAGE', message: /gives "node_args" twice \(as "interpreter_args" too\): keep one/ });
  });

  test('instances: a count, "max" and 0 for one per CPU, -n for all CPUs but n, and 1 when not given (as PM2)', () => {
    assert.equal(one({ instances: 3 }).config.workers, 3);
    assert.equal(one({ instances: '3' }).config.workers, 3);
    assert.equal(one({ instances: 'max' }).config.workers, 'max');
    assert.equal(one({ instances: 0 }).config.workers, 'max');
    assert.equal(one({ instances: -1 }).config.workers, 3);
    assert.equal(one({ instances: '-1' }).config.workers, 3);
    assert.equal(one({ instances: -9 }).config.workers, 1, 'never fewer than one');
    assert.equal(one({}).config.workers, 1);
    for (const bad of ['lots', 1.5, true]) {
      assert.throws(() => one({ name: 'web', instances: bad }), { code: 'BATON_INVALID_OPTION', message: /for "instances" of app "web" of \/srv\/ecosystem\.config\.js: expected a number of instances, "max" \(one per CPU\)/ });
    }
  });

  test('exec_mode: cluster is what baton does; fork with one instance is the same; fork with more is said to share the listeners', () => {
    assert.deepEqual(keys(one({ exec_mode: 'cluster', instances: 4, env: { PORT: '1' } })), []);
    assert.deepEqual(keys(one({ exec_mode: 'fork', env: { PORT: '1' } })), []);
    const forks = one({ exec_mode: 'fork_mode', instances: 3, env: { PORT: '1' } });
    assert.deepEqual(forks.notices, [{ key: 'exec_mode', why: `"fork_mode": baton runs 3 workers, sharing the app's listeners, as PM2's cluster mode does` }]);
    assert.throws(() => one({ exec_mode: 'spawn' }), { code: 'BATON_INVALID_OPTION', message: /"exec_mode" .*expected "cluster" or "fork"/ });
  });

  test('env, and with --env <profile> its env_<profile> merged over it; values become text as PM2 makes them', () => {
    const app = { env: { NODE_ENV: 'development', A: 1, B: true, C: { x: 1 }, D: null }, env_production: { NODE_ENV: 'production', E: 'e' }, env_staging: { NODE_ENV: 'staging' } };
    assert.deepEqual(one(app).config.env, { NODE_ENV: 'development', A: '1', B: 'true', C: '{"x":1}' });
    assert.deepEqual(one(app, { profile: 'production' }).config.env, { NODE_ENV: 'production', A: '1', B: 'true', C: '{"x":1}', E: 'e' });
    assert.deepEqual(one(app, { profile: 'staging' }).config.env?.NODE_ENV, 'staging');
    assert.throws(() => one({ env: 'NODE_ENV=production' }), { code: 'BATON_USAGE', message: /"env" must be an object of environment variables/ });
  });

  test('--env names a profile no app has: refused, with the profiles there are; an app without it is named in the warning', () => {
    const apps = [
      { name: 'web', script: 'a.js', env_production: { PORT: '1' } },
      { name: 'cron', script: 'b.js', env: { PORT: '2' } },
    ];
    assert.throws(() => translate(apps, { profile: 'prod' }), { code: 'BATON_USAGE', message: /^--env prod: no app of \/srv\/ecosystem\.config\.js has env_prod \(its profiles: production\)$/ });
    const { apps: out } = translate(apps, { profile: 'production' });
    assert.deepEqual(keys(out[0]!), []);
    assert.deepEqual(out[1]!.notices, [{ key: 'env_production', why: 'not in this app: it gets its env without a profile' }]);
  });

  test('PORT in the env is the listener of an app that does not say where it listens; port sets PORT as in PM2', () => {
    assert.deepEqual(one({ env: { PORT: 8080 } }).config.listen, ['8080']);
    assert.deepEqual(one({ env: { PORT: 8080 }, env_production: { PORT: 9090 } }, { profile: 'production' }).config.listen, ['9090']);
    const ported = one({ port: 7000, env: { PORT: 8080 } });
    assert.deepEqual([ported.config.listen, ported.config.env?.PORT], [['7000'], '7000']);
    assert.deepEqual(one({ env: { PORT: 8080 }, listen: ['127.0.0.1:9'] }).config.listen, ['127.0.0.1:9'], "baton's own listen key wins");
    assert.match(one({ name: 'web', env: { PORT: 'x' } }).origin.listen!, /^"env\.PORT" of app "web"/);
    const nowhere = one({});
    assert.equal(nowhere.config.listen, undefined);
    assert.deepEqual(nowhere.notices, [{ key: 'PORT', why: 'the app says nowhere where it listens (no PORT in its env): baton gives it its default listener, port 3000' }]);
  });

  test('interpreter (or exec_interpreter): a node binary that the master and its workers run on', () => {
    assert.equal(one({ interpreter: '/opt/node-22/bin/node' }).node, '/opt/node-22/bin/node');
    assert.equal(one({ exec_interpreter: './bin/node22' }).node, '/srv/bin/node22');
    assert.equal(one({ interpreter: 'node' }).node, undefined, "node: baton's own");
    for (const bad of ['bun', '/usr/bin/python3', 'none', 'node@18', 'nodejs']) {
      assert.throws(() => one({ interpreter: bad }), { code: 'BATON_INVALID_OPTION', message: /"interpreter" .*expected the path of a node binary/ }, bad);
    }
    assert.match(one({ name: 'old', interpreter: '/opt/n/node' }).origin.node!, /^"interpreter" of app "old"/);
  });

  test('max_memory_restart becomes maxMemory: bytes, or a number with K, M or G, at least 1MB', () => {
    assert.equal(one({ max_memory_restart: '300M' }).config.maxMemory, '300M');
    assert.equal(one({ max_memory_restart: '1G' }).config.maxMemory, '1G');
    assert.equal(one({ max_memory_restart: 209715200 }).config.maxMemory, '209715200');
    assert.throws(() => one({ name: 'web', max_memory_restart: '512K' }), { code: 'BATON_INVALID_OPTION', message: /"max_memory_restart" of app "web" .*at least 1MB/ });
  });

  test('wait_ready, listen_timeout and kill_timeout become waitReady, readyTimeout and killTimeout (milliseconds)', () => {
    const app = one({ wait_ready: true, listen_timeout: 8000, kill_timeout: '1600' });
    assert.deepEqual([app.config.waitReady, app.config.readyTimeout, app.config.killTimeout], [true, '8000ms', '1600ms']);
    assert.equal(one({ wait_ready: false }).config.waitReady, false);
    assert.throws(() => one({ wait_ready: 'yes' }), { code: 'BATON_INVALID_OPTION', message: /"wait_ready" .*expected true or false/ });
    assert.throws(() => one({ kill_timeout: 'soon' }), { code: 'BATON_INVALID_OPTION', message: /"kill_timeout" .*expected a number of milliseconds/ });
    assert.throws(() => one({ listen_timeout: -5 }), { code: 'BATON_INVALID_OPTION', message: /"listen_timeout"/ });
  });

  test('watch: true is --watch; paths are not used (the warning says so); false is nothing', () => {
    assert.equal(one({ watch: true }).config.watch, true);
    assert.equal(one({ watch: false }).config.watch, undefined);
    const paths = one({ watch: ['src', 'config'], ignore_watch: ['logs'], env: { PORT: '1' } });
    assert.equal(paths.config.watch, true);
    assert.deepEqual(keys(paths), ['watch', 'ignore_watch']);
  });

  test('out_file, error_file and log_file become the one log file; the others are named when they differ; merge_logs: false is said', () => {
    assert.equal(one({ cwd: 'app', out_file: 'logs/out.log' }).config.logFile, '/srv/app/logs/out.log');
    assert.equal(one({ error_file: '~/err.log' }).config.logFile, '/home/u/err.log');
    assert.equal(one({ out_file: 'NULL' }).config.logFile, '/dev/null');
    assert.equal(one({ log_file: true }).config.logFile, undefined, "true: PM2's default place, here the app's own log");
    const three = one({ log_file: 'all.log', out_file: 'out.log', error_file: 'err.log', merge_logs: false, env: { PORT: '1' } });
    assert.equal(three.config.logFile, '/srv/all.log');
    assert.deepEqual(keys(three), ['out_file', 'error_file', 'merge_logs']);
    assert.match(three.notices[0]!.why, /one log per app, stdout and stderr of every worker: these lines go to \/srv\/all\.log \(log_file\)/);
    assert.deepEqual(keys(one({ out_file: 'a.log', error_file: 'a.log', merge_logs: true, env: { PORT: '1' } })), [], 'the same file, merged: as baton does');
    assert.equal(one({ out: 'o.log' }).config.logFile, '/srv/o.log', 'PM2 aliases');
    assert.equal(one({ log_type: 'json' }).config.logFormat, 'json');
  });

  test('exp_backoff_restart_delay is not needed, and says so; every other key baton does not take is named with why', () => {
    const app = one({ exp_backoff_restart_delay: 100, cron_restart: '0 * * * *', max_restarts: 10, autorestart: false, instance_var: 'INSTANCE_ID', env: { PORT: '1' } });
    assert.deepEqual(keys(app), ['exp_backoff_restart_delay', 'cron_restart', 'max_restarts', 'autorestart', 'instance_var']);
    assert.match(app.notices[0]!.why, /^not needed: baton restarts a crashed worker by itself, after a delay that doubles/);
    assert.deepEqual(keys(one({ autorestart: true, instance_var: 'NODE_APP_INSTANCE', env: { PORT: '1' } })), [], 'what baton does anyway');
    assert.deepEqual(one({ instanses: 2, frobnicate: 1, env: { PORT: '1' } }).notices, [
      { key: 'instanses', why: 'not a PM2 or baton setting; did you mean "instances"?' },
      { key: 'frobnicate', why: 'not a PM2 or baton setting' },
    ]);
  });

  test("baton's own config keys in an app are taken as they are; one that duplicates a PM2 key is refused", () => {
    const app = one({ drainTimeout: '10s', batch: '50%', health: '127.0.0.1:9000', env: { PORT: '1' } });
    assert.deepEqual([app.config.drainTimeout, app.config.batch, app.config.health], ['10s', '50%', '127.0.0.1:9000']);
    assert.deepEqual(keys(app), []);
    assert.equal(one({ workers: 4 }).config.workers, 4);
    assert.throws(() => one({ name: 'web', instances: 2, workers: 4 }), { code: 'BATON_USAGE', message: /^app "web" of .* has both "instances" \(PM2's\) and "workers" \(baton's\): keep one$/ });
    assert.throws(() => one({ kill_timeout: 1, killTimeout: '2s' }), { message: /both "kill_timeout" \(PM2's\) and "killTimeout"/ });
  });
});

describe('ecosystem translation: the file', () => {
  test('--only starts the apps it names (comma or space separated by the CLI); an unknown name is refused', () => {
    const apps = [{ name: 'web', script: 'a.js' }, { name: 'api', script: 'b.js' }, { name: 'jobs', script: 'c.js' }];
    assert.deepEqual(translate(apps, { only: ['api'] }).apps.map((a) => a.name), ['api']);
    assert.deepEqual(translate(apps, { only: ['jobs', 'web'] }).apps.map((a) => a.name), ['web', 'jobs']);
    assert.throws(() => translate(apps, { only: ['wbe'] }), { code: 'BATON_USAGE', message: /^--only names "wbe", which is no app of \/srv\/ecosystem\.config\.js \(its apps: web, api, jobs\)$/ });
  });

  test('an app is named after its script when it has no name; names must differ, be file-safe and not "all"', () => {
    assert.equal(translate([{ script: 'src/server.mjs' }]).apps[0]!.name, 'server');
    assert.throws(() => translate([{ script: 'a/app.js' }, { script: 'b/app.js' }]), { code: 'BATON_USAGE', message: /two apps of .* are named "app"/ });
    for (const bad of ['all', '../x', 'a b', '', 7]) {
      assert.throws(() => translate([{ name: bad, script: 'a.js' }]), { code: 'BATON_INVALID_OPTION', message: /for "name" of app 1 of .*: expected a name of up to 64 letters/ }, String(bad));
    }
  });

  test('autostart: false leaves an app out, unless --only names it', () => {
    const apps = [{ name: 'web', script: 'a.js' }, { name: 'manual', script: 'b.js', autostart: false }];
    const all = translate(apps);
    assert.deepEqual([all.apps.map((a) => a.name), all.skipped], [['web'], ['manual']]);
    assert.deepEqual(translate(apps, { only: ['manual'] }).apps.map((a) => a.name), ['manual']);
  });

  test('a bad file is refused clearly: no apps, an app that is not an object, an app without script, a command for script', () => {
    for (const file of [{}, { apps: [] }, { apps: {} }, { name: 'web', script: 'a.js' }]) {
      assert.throws(() => translateEcosystem(file, CTX), { code: 'BATON_USAGE', message: /^\/srv\/ecosystem\.config\.js has no apps: an ecosystem file exports \{ apps: \[\{ name, script, \.\.\. \}, \.\.\.\] \}$/ });
    }
    assert.throws(() => translate(['web']), { code: 'BATON_USAGE', message: /^app 1 of .* is not an object/ });
    assert.throws(() => translate([{ name: 'web' }]), { code: 'BATON_USAGE', message: /^app "web" of \/srv\/ecosystem\.config\.js has no "script": the path of the file that starts the server$/ });
    assert.throws(() => translate([{ name: 'web', script: 'npm', args: 'start' }]), { code: 'BATON_USAGE', message: /runs the command "npm"; baton runs a Node\.js script itself/ });
  });

  test('one warning names every key baton does not use, app by app, and the file\'s own keys (deploy)', () => {
    const ecosystem = translateEcosystem(
      { apps: [{ name: 'web', script: 'a.js', env: { PORT: '1' }, cron_restart: '1 * * * *' }, { name: 'api', script: 'b.js', env: { PORT: '2' } }, { name: 'jobs', script: 'c.js', env: { PORT: '3' }, pmx: true }], deploy: {} },
      CTX,
    );
    const warning = formatNotices(CTX.file, ecosystem)!;
    const lines = warning.split('\n');
    assert.equal(lines[0], 'warning: settings of /srv/ecosystem.config.js that baton does not use, or uses differently:');
    assert.match(lines[1]!, /^ {2}ecosystem\.config\.js: deploy \(pm2 deploy has no baton equivalent/);
    assert.match(lines[2]!, /^ {2}web: cron_restart \(no baton equivalent: run "baton reload" from cron or a systemd timer\)$/);
    assert.match(lines[3]!, /^ {2}jobs: pmx \(PM2 monitoring/);
    assert.equal(lines.length, 4, 'api has nothing to say');
    assert.equal(formatNotices(CTX.file, translate([{ script: 'a.js', env: { PORT: '1' } }])), undefined);
  });

  test('an ecosystem file is told by its name, as PM2 tells it: *.json and *.config.js/.cjs/.mjs, not baton.config.*', () => {
    for (const name of ['ecosystem.config.js', 'ecosystem.config.cjs', 'dir/ecosystem.config.mjs', 'pm2.config.js', 'ecosystem.json', 'process.json']) assert.ok(isEcosystemName(name), name);
    for (const name of ['server.js', 'app.mjs', 'baton.config.js', 'baton.config.json', 'config.js']) assert.ok(!isEcosystemName(name), name);
  });
});

describe('ecosystem files on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-ecosystem-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const APPS = "[{ name: 'web', script: 'server.js', env: { PORT: 3000 } }]";
  let n = 0;
  /** Writes `text` as `name` in a fresh directory whose package.json has this type, and reads it. */
  const read = (name: string, text: string, type?: 'module' | 'commonjs') => {
    const at = join(dir, String(n++));
    mkdirSync(at);
    if (type) writeFileSync(join(at, 'package.json'), JSON.stringify({ type }));
    writeFileSync(join(at, name), text);
    return readEcosystem(name, {}, at);
  };

  test('JavaScript in either module format, .cjs, .mjs and JSON all load', async () => {
    const cases: Array<[string, string, ('module' | 'commonjs')?]> = [
      ['ecosystem.config.js', `module.exports = { apps: ${APPS} };\n`],
      ['ecosystem.config.js', `module.exports = { apps: ${APPS} };\n`, 'commonjs'],
      ['ecosystem.config.js', `export default { apps: ${APPS} };\n`, 'module'],
      ['ecosystem.config.cjs', `module.exports = { apps: ${APPS} };\n`, 'module'],
      ['ecosystem.config.mjs', `export default { apps: ${APPS} };\n`],
      ['ecosystem.json', JSON.stringify({ apps: [{ name: 'web', script: 'server.js', env: { PORT: 3000 } }] })],
    ];
    for (const [name, text, type] of cases) {
      const ecosystem = await read(name, text, type);
      assert.deepEqual(ecosystem.apps.map((a) => [a.name, a.config.listen]), [['web', ['3000']]], `${name} (${type ?? 'no type'})`);
      assert.match(ecosystem.file, new RegExp(`/${name.replace('.', '\\.')}$`));
    }
  });

  test('a JavaScript file written as the other kind of module is told what to do, naming the file', async () => {
    await assert.rejects(read('ecosystem.config.js', `module.exports = { apps: ${APPS} };\n`, 'module'), {
      code: 'BATON_USAGE',
      message: /^cannot load ecosystem file .*ecosystem\.config\.js: .*It uses module\.exports, but a \.js file here is an ES module .*: rename it ecosystem\.config\.cjs, or write export default/,
    });
  });

  test('a file that does not parse, or exports no object, is refused with its path', async () => {
    await assert.rejects(read('ecosystem.json', '{ apps: [ '), { code: 'BATON_USAGE', message: /^cannot read ecosystem file .*ecosystem\.json: / });
    await assert.rejects(read('ecosystem.config.js', 'module.exports = 42;\n'), { code: 'BATON_USAGE', message: /^ecosystem file .*ecosystem\.config\.js must export an object/ });
    await assert.rejects(read('ecosystem.config.js', 'throw new Error("boom");\n'), { code: 'BATON_USAGE', message: /^cannot load ecosystem file .*: boom$/ });
    await assert.rejects(read('ecosystem.config.js', 'module.exports = { apps: [{ name: "web" }] };\n'), { code: 'BATON_USAGE', message: /^app "web" of .* has no "script"/ });
  });
});
