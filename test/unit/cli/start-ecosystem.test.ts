// baton start with an ecosystem file, up to the point where daemons would start: which
// arguments it takes, and that a bad app stops the whole file before anything starts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../../../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-start-eco-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'server.js'), '// dummy app\n');
const file = join(dir, 'ecosystem.config.cjs');

const run = (argv: string[]) => runCli(['start', ...argv], () => {});

describe('baton start <ecosystem file>', () => {
  test('--env and --only are for an ecosystem file only', async () => {
    await assert.rejects(run([join(dir, 'server.js'), '--env', 'production']), { code: 'BATON_USAGE', message: /^--env is for an ecosystem file \(baton start ecosystem\.config\.js --env \.\.\.\)/ });
    await assert.rejects(run([join(dir, 'server.js'), '--only', 'web']), { code: 'BATON_USAGE', message: /^--only is for an ecosystem file/ });
  });

  test("an ecosystem file takes no other flag or argument: the file's settings are the only ones", async () => {
    writeFileSync(file, "module.exports = { apps: [{ name: 'web', script: 'server.js' }] };\n");
    await assert.rejects(run([file, '--workers', '4']), { code: 'BATON_USAGE', message: /^with an ecosystem file, baton start takes only --env <profile> and --only <names>, not --workers: put each app's settings in / });
    await assert.rejects(run([file, '--', '--mode', 'x']), { code: 'BATON_USAGE', message: /not other arguments/ });
    await assert.rejects(run([join(dir, 'missing.config.js')]), { code: 'BATON_USAGE', message: /^ecosystem file not found: .*missing\.config\.js$/ });
  });

  test('an app that cannot start as written stops the whole file: every such app named, nothing started', async () => {
    writeFileSync(file, `module.exports = { apps: [
      { name: 'web', script: 'server.js', cwd: ${JSON.stringify(dir)}, drainTimeout: 'forever' },
      { name: 'api', script: 'gone.js', cwd: ${JSON.stringify(dir)} },
      { name: 'ok', script: 'server.js', cwd: ${JSON.stringify(dir)} },
    ] };\n`);
    await assert.rejects(run([file]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BATON_USAGE');
      const lines = err.message.split('\n');
      assert.match(lines[0]!, /ecosystem\.config\.cjs: nothing was started:$/);
      assert.match(lines[1]!, /^ {2}web: invalid value "forever" for "drainTimeout" of app "web" of .*ecosystem\.config\.cjs: expected /);
      assert.match(lines[2]!, /^ {2}api: app file not found: .*gone\.js/);
      assert.equal(lines.length, 3);
      return true;
    });
  });
});
