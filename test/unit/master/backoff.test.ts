// Crash back-off: the delay doubles per crash in a row, up to a ceiling.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/master/backoff.js';

const policy = { initialMs: 100, maxMs: 1_000, stableAfterMs: 5_000 };

describe('backoffDelay', () => {
  test('starts at the initial delay and doubles per crash in a row', () => {
    assert.deepEqual([1, 2, 3, 4].map((streak) => backoffDelay(streak, policy)), [100, 200, 400, 800]);
  });

  test('stops at the ceiling', () => {
    assert.equal(backoffDelay(5, policy), 1_000);
    assert.equal(backoffDelay(6, policy), 1_000);
  });

  test('is 0 when there is no streak', () => {
    assert.equal(backoffDelay(0, policy), 0);
    assert.equal(backoffDelay(-3, policy), 0);
  });

  test('stays at the ceiling for a huge streak instead of overflowing', () => {
    assert.equal(backoffDelay(1_000_000, policy), 1_000);
    assert.equal(backoffDelay(Number.MAX_SAFE_INTEGER, policy), 1_000);
  });

  test('uses the default policy: 100ms doubling up to 30s', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { initialMs: 100, maxMs: 30_000, stableAfterMs: 10_000 });
    assert.equal(backoffDelay(1), 100);
    assert.equal(backoffDelay(9), 25_600);
    assert.equal(backoffDelay(10), 30_000);
    assert.equal(backoffDelay(500), 30_000);
  });
});
