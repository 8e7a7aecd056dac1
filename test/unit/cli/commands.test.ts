// `baton start` option resolution: defaults, path resolution and the usage errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { closest } from '../../../src/suggest.js';
import { resolveStartOptions } from '../../../src/config/resolve.js';
import { BatonError, EXIT_USAGE } from '../../../src/errors.js';

// A temp dir holding a dummy app.js and a lib/ directory, removed after the file's tests.
const dir = mkdtempSync(join(tmpdir(), 'baton-commands-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'app.js'), '// dummy app\n');
mkdirSync(join(dir, 'lib'));

/** Resolves start options for ./app.js in the temp dir with the given flags. */
const resolveWith = (values: Record<string, unknown>, appArgs: string[] = []) => resolveStartOptions(values, ['app.js'], appArgs, dir);

/** Asserts that `fn` throws a usage-class BatonError with this code and a matching message. */
function assertUsageError(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BatonError);
    assert.equal(err.code, code);
    assert.equal(err.exitCode, EXIT_USAGE);
    assert.match(err.message, message);
    return true;
  });
}

describe('resolveStartOptions', () => {
  test('applies the defaults', (t) => {
    const saved = process.env.BATON_CONTROL;
    delete process.env.BATON_CONTROL;
    t.after(() => {
      if (saved !== undefined) process.env.BATON_CONTROL = saved;
    });

    const options = resolveWith({});
    assert.equal(options.app, join(dir, 'app.js'));
    assert.deepEqual(options.appArgs, []);
    assert.equal(options.workers, 2);
    // Empty: the master listens on systemd's sockets if it has any, else on port 3000.
    assert.deepEqual(options.listen, []);
    assert.deepEqual(options.batch, { kind: 'count', count: 1 });
    assert.equal(options.readyTimeoutMs, 30_000);
    assert.equal(options.drainTimeoutMs, 30_000);
    assert.equal(options.killTimeoutMs, 5_000);
    assert.equal(options.nodePath, process.execPath);
    assert.deepEqual(options.nodeArgs, []);
    assert.equal(options.waitReady, false);
    assert.equal(options.control, join(dir, '.baton.sock'));
    assert.equal(options.cwd, dir);
  });

  test('gives the master a copy of the environment', () => {
    const options = resolveWith({});
    assert.notEqual(options.env, process.env);
    assert.equal(options.env.PATH, process.env.PATH);
  });

  test('takes every flag', () => {
    const options = resolveWith(
      {
        workers: '4',
        listen: ['127.0.0.1:4000', './run/app.sock'],
        batch: '25%',
        'ready-timeout': '2s',
        'drain-timeout': '1m',
        'kill-timeout': '750ms',
        'wait-ready': true,
        'node-arg': ['--max-old-space-size=512', '-r'],
        control: 'ctl/baton.sock',
      },
      ['--port', '9'],
    );
    assert.equal(options.workers, 4);
    assert.deepEqual(options.listen, [
      { kind: 'tcp', host: '127.0.0.1', port: 4000 },
      { kind: 'unix', path: join(dir, 'run/app.sock') },
    ]);
    assert.deepEqual(options.batch, { kind: 'percent', percent: 25 });
    assert.equal(options.readyTimeoutMs, 2_000);
    assert.equal(options.drainTimeoutMs, 60_000);
    assert.equal(options.killTimeoutMs, 750);
    assert.equal(options.waitReady, true);
    assert.deepEqual(options.nodeArgs, ['--max-old-space-size=512', '-r']);
    assert.equal(options.control, join(dir, 'ctl/baton.sock'));
    assert.deepEqual(options.appArgs, ['--port', '9']);
  });

  test('resolves the app against the cwd', () => {
    writeFileSync(join(dir, 'lib', 'server.js'), '');
    assert.equal(resolveStartOptions({}, ['lib/server.js'], [], dir).app, join(dir, 'lib', 'server.js'));
  });

  test('runs one worker per CPU for --workers max', () => {
    assert.equal(resolveWith({ workers: 'max' }).workers, availableParallelism());
  });

  test('accepts 1 to 1024 workers', () => {
    assert.equal(resolveWith({ workers: '1' }).workers, 1);
    assert.equal(resolveWith({ workers: '1024' }).workers, 1024);
  });

  for (const workers of ['0', '1025', 'abc', '1.5', '-1', '']) {
    test(`rejects --workers ${JSON.stringify(workers)}`, () => {
      assertUsageError(() => resolveWith({ workers }), 'BATON_INVALID_OPTION', new RegExp(`^invalid value "${workers.replace('.', '\\.')}" for --workers: expected a whole number from 1 to 1024`));
    });
  }

  test('fails without an app', () => {
    assertUsageError(() => resolveStartOptions({}, [], [], dir), 'BATON_USAGE', /^missing the app to run: baton start <app\.js>/);
  });

  test('fails when the app file does not exist, naming its absolute path', () => {
    assertUsageError(() => resolveStartOptions({}, ['nope.js'], [], dir), 'BATON_APP_NOT_FOUND', new RegExp(`^app file not found: ${join(dir, 'nope.js')}\\.`));
  });

  test('fails when the app is a directory', () => {
    assertUsageError(() => resolveStartOptions({}, ['lib'], [], dir), 'BATON_APP_NOT_FOUND', /app file not found: .*lib\./);
  });

  test('refuses an extra positional and suggests passing it after "--"', () => {
    assertUsageError(
      () => resolveStartOptions({}, ['app.js', 'extra', 'more'], [], dir),
      'BATON_USAGE',
      /^unexpected argument "extra"; pass arguments for the app after "--" \(baton start .* -- extra more\)$/,
    );
  });

  test('refuses a --node-arg that is not a flag', () => {
    assertUsageError(() => resolveWith({ 'node-arg': ['--inspect', 'max-old-space-size=512'] }), 'BATON_INVALID_OPTION', /^invalid value "max-old-space-size=512" for --node-arg: expected a Node\.js flag starting with "-"/);
  });

  test('names the option in a bad duration, listen or batch value', () => {
    assertUsageError(() => resolveWith({ 'drain-timeout': 'soon' }), 'BATON_INVALID_OPTION', /for --drain-timeout:/);
    assertUsageError(() => resolveWith({ listen: ['3000', 'nope'] }), 'BATON_INVALID_OPTION', /^invalid value "nope" for --listen:/);
    assertUsageError(() => resolveWith({ batch: '0' }), 'BATON_INVALID_OPTION', /for --batch:/);
  });
});

describe('closest', () => {
  const known = ['start', 'reload', 'upgrade', 'status', 'stop'];
  for (const [typo, meant] of [
    ['stauts', 'status'],
    ['relaod', 'reload'],
    ['upgarde', 'upgrade'],
    ['strat', 'start'],
    ['STOP', 'stop'],
    ['reloads', 'reload'],
  ] as const) {
    test(`suggests "${meant}" for "${typo}"`, () => assert.equal(closest(typo, known), meant));
  }
  test('suggests nothing for a word that is nothing like a command', () => assert.equal(closest('frobnicate', known), undefined));
});
