// The error catalog: stable codes, and the exit code the CLI uses for each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatonError, errors, EXIT_FAILURE, EXIT_USAGE, isBatonError } from '../../src/errors.js';

// Every catalog entry, built with sample arguments, with the code and exit code it must carry.
const CATALOG: Record<keyof typeof errors, { error: BatonError; code: string; exitCode: number }> = {
  usage: { error: errors.usage('bad'), code: 'BATON_USAGE', exitCode: 2 },
  invalidOption: { error: errors.invalidOption('--x', 'y', 'z'), code: 'BATON_INVALID_OPTION', exitCode: 2 },
  appNotFound: { error: errors.appNotFound('/a.js'), code: 'BATON_APP_NOT_FOUND', exitCode: 2 },
  badRequest: { error: errors.badRequest('bad'), code: 'BATON_BAD_REQUEST', exitCode: 2 },
  listenFailed: { error: errors.listenFailed('[::]:80', 'EACCES', 'hint'), code: 'BATON_LISTEN_FAILED', exitCode: 1 },
  controlInUse: { error: errors.controlInUse('/c.sock'), code: 'BATON_ALREADY_RUNNING', exitCode: 1 },
  controlListenFailed: { error: errors.controlListenFailed('/c.sock', 'EACCES', 'hint'), code: 'BATON_CONTROL_FAILED', exitCode: 1 },
  noMaster: { error: errors.noMaster('/c.sock', 'ENOENT'), code: 'BATON_NO_MASTER', exitCode: 1 },
  reloadInProgress: { error: errors.reloadInProgress(), code: 'BATON_BUSY', exitCode: 1 },
  stopping: { error: errors.stopping(), code: 'BATON_STOPPING', exitCode: 1 },
  reloadFailed: { error: errors.reloadFailed('boom'), code: 'BATON_RELOAD_FAILED', exitCode: 1 },
  upgradeFailed: { error: errors.upgradeFailed('boom'), code: 'BATON_UPGRADE_FAILED', exitCode: 1 },
  startFailed: { error: errors.startFailed('boom'), code: 'BATON_START_FAILED', exitCode: 1 },
  protocol: { error: errors.protocol('garbled'), code: 'BATON_PROTOCOL', exitCode: 1 },
  logFileFailed: { error: errors.logFileFailed('/l.log', 'EACCES'), code: 'BATON_LOG_FILE', exitCode: 1 },
  noLogFile: { error: errors.noLogFile(), code: 'BATON_NO_LOG_FILE', exitCode: 1 },
  daemonFailed: { error: errors.daemonFailed('boom'), code: 'BATON_DAEMON_FAILED', exitCode: 1 },
  notMaster: { error: errors.notMaster(1, 'sleep 9'), code: 'BATON_NOT_MASTER', exitCode: 1 },
  noRegistry: { error: errors.noRegistry(), code: 'BATON_NO_REGISTRY', exitCode: 1 },
  takingOver: { error: errors.takingOver(42), code: 'BATON_TAKING_OVER', exitCode: 1 },
  handingOver: { error: errors.handingOver(43), code: 'BATON_HANDING_OVER', exitCode: 1 },
  internal: { error: errors.internal('reload', new Error('x')), code: 'BATON_INTERNAL', exitCode: 1 },
  busyControl: { error: errors.busyControl(64), code: 'BATON_CONTROL_BUSY', exitCode: 1 },
};

describe('errors catalog', () => {
  test('uses exit code 1 for a failed operation and 2 for bad usage', () => {
    assert.equal(EXIT_FAILURE, 1);
    assert.equal(EXIT_USAGE, 2);
  });

  for (const [name, { error, code, exitCode }] of Object.entries(CATALOG)) {
    test(`${name} is ${code} with exit code ${exitCode}`, () => {
      assert.ok(error instanceof BatonError);
      assert.equal(error.name, 'BatonError');
      assert.equal(error.code, code);
      assert.equal(error.exitCode, exitCode);
    });
  }

  test('has a distinct code per entry', () => {
    const codes = Object.values(CATALOG).map((entry) => entry.code);
    assert.equal(new Set(codes).size, codes.length);
  });

  test('builds messages from their arguments', () => {
    assert.equal(errors.invalidOption('--workers', 'x', 'a number').message, 'invalid value "x" for --workers: expected a number');
    assert.equal(errors.listenFailed('[::]:80', 'EACCES', 'Use a port above 1024.').message, 'cannot listen on [::]:80: EACCES. Use a port above 1024.');
    assert.match(errors.noMaster('/c.sock', 'ENOENT').message, /^no baton master is running on control socket \/c\.sock \(ENOENT\)\./);
  });
});

describe('BatonError', () => {
  test('defaults to exit code 1', () => {
    assert.equal(new BatonError('BATON_X', 'x').exitCode, 1);
  });
});

describe('isBatonError', () => {
  test('tells catalog errors from bugs', () => {
    assert.equal(isBatonError(errors.usage('x')), true);
    assert.equal(isBatonError(new Error('x')), false);
    assert.equal(isBatonError({ code: 'BATON_USAGE', exitCode: 2, message: 'x' }), false);
    assert.equal(isBatonError(undefined), false);
  });
});
