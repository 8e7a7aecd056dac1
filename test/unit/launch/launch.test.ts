// A launch from config-shaped settings (an ecosystem app, the API's start()) resolves
// them as the command line would, and the daemon's command line says the same again.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { after, describe, test } from 'node:test';
import { appFiles } from '../../../src/cli/ecosystem.js';
import { nameArgs, prepareLaunch, toArgs } from '../../../src/launch/launch.js';
import { resolveStart } from '../../../src/config/resolve.js';
import { START_OPTIONS } from '../../../src/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-launch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'app'));
writeFileSync(join(dir, 'app', 'server.js'), '// dummy app\n');

const request = (config: Record<string, unknown>) => ({ config, where: (key: string) => `"${key}" in test options`, source: 'test options', base: dir });

describe('launch', () => {
  test('flag-shaped values become --flag=value arguments; true is the bare flag, false none', () => {
    assert.deepEqual(toArgs({ workers: '2', listen: ['127.0.0.1:0', './a.sock'], 'wait-ready': true, watch: false, 'node-arg': ['--import=tsx'] }), [
      '--workers=2',
      '--listen=127.0.0.1:0',
      '--listen=./a.sock',
      '--wait-ready',
      '--node-arg=--import=tsx',
    ]);
  });

  test("the daemon's command line resolves to the options resolved here: paths absolute, the app's cwd its directory", async () => {
    const launch = await prepareLaunch(
      request({ script: 'app/server.js', cwd: 'app', args: ['--mode', 'x'], env: { GREETING: 'hi' }, workers: 3, listen: ['127.0.0.1:0', 'run/app.sock'], waitReady: true, nodeArgs: ['--enable-source-maps'], control: 'c.sock', drainTimeout: '2s' }),
    );
    assert.equal(launch.cwd, join(dir, 'app'));
    assert.deepEqual(launch.appArgs, ['--mode', 'x']);
    assert.equal(launch.env.GREETING, 'hi');
    assert.equal(launch.env.PATH, process.env.PATH, "added to this process's environment");
    assert.equal(launch.options.control, join(dir, 'c.sock'));
    assert.equal(launch.logFile, join(dir, 'baton.log'), "the daemon's defaults, in the base directory");
    assert.equal(launch.pidFile, join(dir, 'baton.pid'));
    const { values, positionals } = parseArgs({ args: launch.args, options: START_OPTIONS, allowPositionals: true, strict: true });
    assert.deepEqual(positionals, [join(dir, 'app', 'server.js')]);
    assert.deepEqual(values.listen, ['127.0.0.1:0', join(dir, 'run', 'app.sock')]);
    // What the daemon resolves, in its directory, from that command line.
    const again = await resolveStart(values, positionals, launch.appArgs, launch.cwd);
    for (const field of ['app', 'appArgs', 'workers', 'listen', 'waitReady', 'nodeArgs', 'control', 'pidFile', 'logFile', 'drainTimeoutMs', 'cwd'] as const) {
      assert.deepEqual(again[field], launch.options[field], field);
    }
  });

  test('bad values are refused before anything starts, named as the settings name them', async () => {
    await assert.rejects(prepareLaunch(request({ script: 'app/server.js', workers: 'lots' })), { code: 'BATON_INVALID_OPTION', message: /^invalid value "lots" for "workers" in test options: / });
    await assert.rejects(prepareLaunch(request({ script: 'app/server.js', listen: 'nowhere' })), { code: 'BATON_INVALID_OPTION', message: /for "listen" in test options/ });
    await assert.rejects(prepareLaunch(request({ script: 'app/missing.js' })), { code: 'BATON_APP_NOT_FOUND' });
    await assert.rejects(prepareLaunch(request({ script: 'app/server.js', wrokers: 2 })), { code: 'BATON_USAGE', message: /^unknown key "wrokers" in test options\. Did you mean "workers"\?/ });
    await assert.rejects(prepareLaunch({ ...request({ script: 'app/server.js' }), node: join(dir, 'no-node') }), { code: 'BATON_INVALID_OPTION', message: /for "node" in test options: expected the path of a node binary this user can run \(ENOENT\)/ });
  });

  test("an ecosystem app's files are .baton/<name>.sock, .pid and .log in the current directory", () => {
    assert.deepEqual(appFiles('web', '/srv'), { control: '/srv/.baton/web.sock', pidFile: '/srv/.baton/web.pid', logFile: '/srv/.baton/web.log' });
  });

  test('the name goes on the command line as --name once this build has that flag', () => {
    assert.deepEqual(nameArgs(undefined), []);
    assert.deepEqual(nameArgs('web'), 'name' in START_OPTIONS ? ['--name', 'web'] : []);
  });
});
