// `baton status` output: uptimes and the status table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatStatus, formatUptime } from '../../../src/cli/format.js';
import type { StatusSnapshot } from '../../../src/protocol/control.js';

describe('formatUptime', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [0, '0ms'],
    [800, '800ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [59_999, '59s'],
    [60_000, '1m0s'],
    [184_000, '3m4s'],
    [3_599_999, '59m59s'],
    [3_600_000, '1h0m'],
    [3_723_000, '1h2m'],
    [90_000_000, '25h0m'],
  ];
  for (const [ms, text] of cases) {
    test(`${ms}ms reads ${text}`, () => {
      assert.equal(formatUptime(ms), text);
    });
  }
});

function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    pid: 4242,
    node: 'v20.11.0',
    startedAt: '2024-05-01T10:00:00.000Z',
    uptimeMs: 3_723_000,
    rssBytes: 52_428_800,
    generation: 3,
    operation: null,
    listeners: ['[::]:3000', '/srv/app/app.sock'],
    workers: [
      { id: 7, pid: 5001, slot: 1, generation: 3, state: 'ready', uptimeMs: 65_000, restarts: 0, rssBytes: 41_000_000, cpuPercent: 12.5, eventLoopDelayMs: 10.5, connections: 12, upgraded: 0, requests: 4031, requestsPerSecond: 250.5 },
      { id: 12, pid: 5002, slot: 2, generation: 3, state: 'starting', uptimeMs: 400, restarts: 2 },
      { id: null, pid: null, slot: 3, generation: 3, state: 'backoff', uptimeMs: 0, restarts: 5, nextRestartInMs: 1_600 },
    ],
    lastReload: null,
    lastUpgrade: null,
    ...overrides,
  };
}

describe('formatStatus', () => {
  test('prints the master line, the listeners and an aligned worker table', () => {
    assert.equal(
      formatStatus(snapshot()),
      [
        'master     pid 4242, node v20.11.0, up 1h2m, memory 50.0MB, generation 3',
        'listening  [::]:3000, /srv/app/app.sock',
        '',
        'WORKER  PID   SLOT  GEN  STATE                    UPTIME  MEMORY  CPU    LOOP    CONNS  REQUESTS  REQ/S  RESTARTS',
        '7       5001  1     3    ready                    1m5s    39.1MB  12.5%  10.5ms  12     4031      250.5  0',
        '12      5002  2     3    starting                 400ms   -       -      -       -      -         -      2',
        '-       -     3     3    backoff (restart in 1s)  -       -       -      -       -      -         -      5',
      ].join('\n'),
    );
  });

  test('names a running operation on the master line', () => {
    const first = formatStatus(snapshot({ operation: 'reload' })).split('\n')[0];
    assert.equal(first, 'master     pid 4242, node v20.11.0, up 1h2m, memory 50.0MB, generation 3, reload running');
  });

  test('reports a successful last reload', () => {
    const lastReload = { kind: 'reload' as const, generation: 3, ok: true, startedAt: '2024-05-01T10:30:00.000Z', durationMs: 1_250 };
    const lines = formatStatus(snapshot({ lastReload })).split('\n');
    assert.equal(lines[2], 'last reload generation 3 succeeded in 1250ms at 2024-05-01T10:30:00.000Z');
  });

  test('reports a failed last reload', () => {
    const lastReload = { kind: 'reload' as const, generation: 4, ok: false, startedAt: '2024-05-01T10:31:00.000Z', durationMs: 30_000, error: 'not ready' };
    const lines = formatStatus(snapshot({ lastReload })).split('\n');
    assert.equal(lines[2], 'last reload generation 4 FAILED in 30000ms at 2024-05-01T10:31:00.000Z');
  });

  test('reports the last upgrade with the masters it went between', () => {
    const lastUpgrade = { kind: 'upgrade' as const, generation: 5, ok: true, startedAt: '2024-05-01T10:32:00.000Z', durationMs: 900, fromPid: 4000, toPid: 4242 };
    const lines = formatStatus(snapshot({ lastUpgrade })).split('\n');
    assert.equal(lines[2], 'last upgrade (master 4000 → 4242) succeeded in 900ms at 2024-05-01T10:32:00.000Z');
  });

  test('prints only the header row when there are no workers', () => {
    const lines = formatStatus(snapshot({ workers: [] })).split('\n');
    assert.equal(lines.at(-1), 'WORKER  PID  SLOT  GEN  STATE  UPTIME  MEMORY  CPU  LOOP  CONNS  REQUESTS  REQ/S  RESTARTS');
  });

  test('shows a draining worker\'s time left and its upgraded connections', () => {
    const draining = { id: 3, pid: 5003, slot: 1, generation: 2, state: 'draining' as const, uptimeMs: 90_000, restarts: 0, connections: 40, upgraded: 38, requests: 100, drainDeadlineInMs: 12_000 };
    const row = formatStatus(snapshot({ workers: [draining] })).split('\n').at(-1)!;
    assert.match(row, /draining \(12s left\)\s+1m30s\s+-\s+-\s+-\s+40 \(38 upgraded\)\s+100/);
  });
});
