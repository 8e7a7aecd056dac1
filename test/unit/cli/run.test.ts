// The dispatcher: help and its exit codes, each command's --help, and usage errors with
// a typo hint. None of these reach a master.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOGS_HELP, LS_HELP, MAIN_HELP, RELOAD_HELP, START_HELP, STARTUP_HELP, STATUS_HELP, STOP_HELP, UNSTARTUP_HELP, UPGRADE_HELP } from '../../../src/cli/help.js';
import { runCli } from '../../../src/cli/run.js';

/** Runs the CLI with its output captured. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCli(argv, (s) => void (out += s));
  return { code, out };
}

describe('runCli', () => {
  test('prints the main help: exit 0 when asked for, 2 with no command at all', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) assert.deepEqual(await run(argv), { code: 0, out: MAIN_HELP + '\n' });
    assert.deepEqual(await run([]), { code: 2, out: MAIN_HELP + '\n' });
  });

  const helps = { start: START_HELP, reload: RELOAD_HELP, upgrade: UPGRADE_HELP, status: STATUS_HELP, stop: STOP_HELP, logs: LOGS_HELP, ls: LS_HELP, startup: STARTUP_HELP, unstartup: UNSTARTUP_HELP };
  for (const [command, help] of Object.entries(helps)) {
    test(`baton ${command} --help prints its help`, async () => {
      assert.deepEqual(await run([command, '--help']), { code: 0, out: help + '\n' });
      assert.deepEqual(await run([command, '-h']), { code: 0, out: help + '\n' });
    });
  }

  test('an unknown command is a usage error that suggests the command meant, if any', async () => {
    await assert.rejects(run(['stauts']), { code: 'BATON_USAGE', message: 'unknown command "stauts". Did you mean "status"? Commands: start, reload, upgrade, status, stop, logs, ls, startup, unstartup (baton --help).' });
    await assert.rejects(run(['frobnicate']), { code: 'BATON_USAGE', message: /^unknown command "frobnicate". Commands: / });
    await assert.rejects(run(['toString']), { code: 'BATON_USAGE', message: /^unknown command "toString"\./ });
  });

  test('baton help <command> prints that command\'s help; an unknown one is a usage error with a hint', async () => {
    for (const [command, help] of Object.entries(helps)) assert.deepEqual(await run(['help', command]), { code: 0, out: help + '\n' });
    await assert.rejects(run(['help', 'strat']), { code: 'BATON_USAGE', message: /^unknown command "strat"\. Did you mean "start"\?/ });
  });

  test('an unknown flag is a usage error that points at the command\'s help, and at the flag most likely meant', async () => {
    await assert.rejects(run(['status', '--bogus']), { code: 'BATON_USAGE', message: /^Unknown option '--bogus'\. \(see "baton status --help"\)$/ });
    await assert.rejects(run(['start', 'app.js', '--wrokers', '2']), { code: 'BATON_USAGE', message: /^Unknown option '--wrokers'\. Did you mean --workers\? \(see "baton start --help"\)$/ });
    await assert.rejects(run(['stop', '--forse']), { code: 'BATON_USAGE', message: /Did you mean --force\?/ });
  });

  test('an app name or --control, one name at most: usage errors that say so', async () => {
    // One app name at most (checked before the registry is read).
    await assert.rejects(run(['reload', 'api', 'web']), { code: 'BATON_USAGE', message: /one app name .*see "baton reload --help"/ });
    await assert.rejects(run(['status', 'api', '--control', '/c.sock']), { code: 'BATON_USAGE', message: /an app name or --control, not both/ });
    await assert.rejects(run(['startup', 'upstart']), { code: 'BATON_USAGE', message: /baton startup systemd/ });
  });

  test('reload refuses a bad --batch before asking the master', async () => {
    await assert.rejects(run(['reload', '--batch', '0', '--control', '/nonexistent/baton.sock']), { code: 'BATON_INVALID_OPTION', message: /for --batch:/ });
  });
});
