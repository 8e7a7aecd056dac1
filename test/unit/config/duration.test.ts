// Command-line durations: units, bare milliseconds, and errors that name the option.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDuration } from '../../../src/config/duration.js';

describe('parseDuration', () => {
  const cases: ReadonlyArray<readonly [string, number]> = [
    ['500ms', 500],
    ['5s', 5_000],
    ['2m', 120_000],
    ['250', 250],
    ['1.5s', 1_500],
    ['0.5m', 30_000],
    [' 3s ', 3_000],
  ];
  for (const [text, ms] of cases) {
    test(`parses ${JSON.stringify(text)} as ${ms}ms`, () => {
      assert.equal(parseDuration('--ready-timeout', text), ms);
    });
  }

  for (const bad of ['', 'abc', '5h', '-5s', '5 s', 's', '1e3', '.5s']) {
    test(`rejects ${JSON.stringify(bad)} with an error naming the option`, () => {
      assert.throws(() => parseDuration('--drain-timeout', bad), {
        name: 'BatonError',
        code: 'BATON_INVALID_OPTION',
        exitCode: 2,
        message: `invalid value ${JSON.stringify(bad)} for --drain-timeout: expected a duration such as 500ms, 5s, 2m or a number of milliseconds`,
      });
    });
  }

  for (const zero of ['0', '0ms', '0s', '0.0m', '0.4', '0.4ms']) {
    test(`rejects the zero duration ${JSON.stringify(zero)}`, () => {
      assert.throws(() => parseDuration('--kill-timeout', zero), {
        name: 'BatonError',
        code: 'BATON_INVALID_OPTION',
        exitCode: 2,
        message: `invalid value ${JSON.stringify(zero)} for --kill-timeout: expected a duration of at least 1ms`,
      });
    });
  }
});
