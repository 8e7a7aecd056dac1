// A process table for registry tests: pids are alive with the start time given, and
// this test process is alive as itself.
import { identify } from '../../../src/procfs.js';
import type { ProcessTable } from '../../../src/registry/liveness.js';
import type { Entry } from '../../../src/registry/entry.js';

/** A fake process table; `alive` maps pid → start time, and `boot` is the boot id. */
export function fakeProcesses(alive: Record<number, string> = {}, boot = 'boot-1'): ProcessTable & { alive: Record<number, string> } {
  const own = identify(process.pid)?.start ?? 'self';
  const table = { ...alive, [process.pid]: own };
  return {
    alive: table,
    identify: (pid) => (table[pid] === undefined ? undefined : { pid, start: table[pid]! }),
    bootId: () => boot,
  };
}

/** An entry for `name`, with fields overridden. */
export function entry(name: string, fields: Partial<Entry> = {}): Entry {
  return {
    v: 1,
    name,
    pid: 4242,
    pidStart: '100',
    bootId: 'boot-1',
    control: `/srv/${name}/.baton.sock`,
    app: `/srv/${name}/server.js`,
    cwd: `/srv/${name}`,
    listeners: ['127.0.0.1:3000'],
    startedAt: '2026-11-25T18:41:11.705Z',
    logFile: null,
    pidFile: null,
    node: '/usr/bin/node',
    baton: { version: '0.2.0', cli: '/srv/node_modules/baton/dist/src/cli/baton.cjs' },
    stop: { lbGraceMs: 0, drainTimeoutMs: 30_000, killTimeoutMs: 5000 },
    source: { flags: { workers: '2' }, positionals: ['server.js'], appArgs: [], cwd: `/srv/${name}`, configFile: undefined },
    ...fields,
  };
}
