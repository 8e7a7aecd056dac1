// The systemd unit written from an entry: the app's own start arguments (quoted as
// systemd reads them), the control socket and pid file in the unit's runtime
// directory, and the fields that let it survive a master upgrade.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MARKER, quote, startArgs, unitName, unitText } from '../../../src/startup/unit.js';
import { entry } from '../registry/fakes.js';

describe('systemd units', () => {
  test('quote: plain words as they are, others in double quotes; % and $ doubled', () => {
    assert.equal(quote('--workers=2'), '--workers=2');
    assert.equal(quote('/srv/my app/server.js'), '"/srv/my app/server.js"');
    assert.equal(quote('say "hi"\\'), '"say \\"hi\\"\\\\"');
    assert.equal(quote('100%'), '100%%');
    assert.equal(quote('$HOME'), '"$$HOME"');
    assert.equal(quote(''), '""');
  });

  test('the start arguments are the original ones, less --daemon, with the name, control socket and pid file the unit owns', () => {
    const e = entry('api', {
      source: {
        flags: { workers: '4', listen: ['3000', '/srv/api/app.sock'], 'wait-ready': true, watch: false, daemon: true, control: 'old.sock', 'pid-file': 'baton.pid', 'node-arg': ['--max-old-space-size=512'] },
        positionals: ['server.js'],
        appArgs: ['--mode', 'blue'],
        cwd: '/srv/api',
        configFile: undefined,
      },
    });
    assert.deepEqual(startArgs(e), [
      'start',
      'server.js',
      '--workers=4',
      '--listen=3000',
      '--listen=/srv/api/app.sock',
      '--wait-ready',
      '--node-arg=--max-old-space-size=512',
      '--name=api',
      { raw: '--control=%t/baton-api/baton.sock' },
      { raw: '--pid-file=%t/baton-api/baton.pid' },
      '--',
      '--mode',
      'blue',
    ]);
    assert.equal(startArgs(entry('api', { source: null })), undefined);
  });

  test('a system unit: marker first, Type=notify, the runtime directory, stop timeout above grace + drain + kill', () => {
    const text = unitText(entry('api', { stop: { lbGraceMs: 5000, drainTimeoutMs: 30_000, killTimeoutMs: 5000 } }), { user: false, runAs: 'app' })!;
    const lines = text.split('\n');
    assert.equal(lines[0], MARKER);
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'User=app',
      'WorkingDirectory=/srv/api',
      'RuntimeDirectory=baton-api',
      'ExecStart=/usr/bin/node /srv/node_modules/baton/dist/src/cli/baton.cjs start server.js --workers=2 --name=api --control=%t/baton-api/baton.sock --pid-file=%t/baton-api/baton.pid',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'PIDFile=%t/baton-api/baton.pid',
      'KillMode=mixed',
      'TimeoutStopSec=45',
      'After=network.target',
      'WantedBy=multi-user.target',
    ]) {
      assert.ok(lines.includes(line), `${line}\n${text}`);
    }
    assert.equal(unitName('api'), 'baton-api.service');
  });

  test('a user unit: no User=, no network.target, wanted by default.target', () => {
    const lines = unitText(entry('api'), { user: true })!.split('\n');
    assert.ok(lines.includes('WantedBy=default.target'));
    assert.ok(!lines.some((l) => l.startsWith('User=') || l.startsWith('After=')));
  });

  test('an entry without a start source has no unit', () => {
    assert.equal(unitText(entry('api', { source: null }), { user: false }), undefined);
  });
});
