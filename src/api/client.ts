// The programmatic client: connect() to one master (by its control socket, or by its
// name through the registry) or to the registry itself. Each call is one request on the
// control socket, checked as the CLI checks its flags, and fails with the CLI's coded
// errors (BatonError: BATON_NO_MASTER, BATON_BUSY, BATON_RELOAD_FAILED, ...). A client
// holds no connection: a master found by name is looked up again at each call, so one
// that was restarted (a new socket) is still found.
import { resolve } from 'node:path';
import { parseBatchSpec } from '../config/batch.js';
import { parseDuration } from '../config/duration.js';
import { request } from '../control/client.js';
import type { ReloadResult, StatusSnapshot, StopResult, UpgradeResult } from '../protocol/control.js';
import { defaultRegistry } from './registry.js';
import type { Registry, RegistryEntry } from './registry.js';

export interface ReloadOptions {
  /** Workers replaced at a time: a count or a percentage ("25%"); the master's --batch by default. */
  batch?: string | number;
  /** Resolve only once every old worker has gone, not once they were told to drain. */
  waitDrained?: boolean;
}

export interface UpgradeOptions {
  /** The node binary for the new master and its workers (relative to the current directory); the master's own by default. */
  node?: string;
  /** Resolve only once the old master's workers have all gone. */
  waitDrained?: boolean;
}

export interface StopOptions {
  /** Answer /healthz 503 this long before draining ("5s", or milliseconds); the master's --lb-grace by default. */
  lbGrace?: string | number;
}

/** A client for one master. */
export interface MasterClient {
  /** How it finds the master: `control socket /path` or `"web" in the registry`. */
  readonly target: string;
  /** What `baton status --json` prints. */
  status(): Promise<StatusSnapshot>;
  /** Rolls every worker onto the code on disk; rejects with BATON_RELOAD_FAILED (the old workers keep serving). */
  reload(options?: ReloadOptions): Promise<ReloadResult>;
  /** Replaces the master itself; rejects with BATON_UPGRADE_FAILED (the old master keeps serving). */
  upgrade(options?: UpgradeOptions): Promise<UpgradeResult>;
  /** Drains every worker and stops the master; resolves once they have drained. */
  stop(options?: StopOptions): Promise<StopResult>;
}

/** A client for the registry of running masters. */
export interface RegistryClient {
  /** Every master the registry knows. */
  list(): Promise<RegistryEntry[]>;
}

/** Connects to the master on this control socket (relative to the current directory). */
export function connect(target: { control: string }): MasterClient;
/** Connects to the master of this name, through the registry. */
export function connect(target: { name: string; registry?: Registry }): MasterClient;
/** Connects to the registry. */
export function connect(target?: { registry?: Registry }): RegistryClient;
export function connect(target: { control?: string; name?: string; registry?: Registry } = {}): MasterClient | RegistryClient {
  const registry = target.registry ?? defaultRegistry();
  if (target.control !== undefined) {
    const control = resolve(target.control);
    return masterClient(`control socket ${control}`, async () => control);
  }
  if (target.name !== undefined) {
    const name = target.name;
    return masterClient(`"${name}" in the registry`, async () => (await registry.lookup(name)).control);
  }
  return { list: () => registry.list() };
}

/** A master client whose requests go to the socket `control()` finds. */
function masterClient(target: string, control: () => Promise<string>): MasterClient {
  return {
    target,
    status: async () => request(await control(), 'status'),
    async reload(options = {}) {
      const batch = options.batch === undefined ? undefined : String(options.batch);
      if (batch !== undefined) parseBatchSpec(batch, 'batch');
      return request(await control(), 'reload', { ...(batch === undefined ? {} : { batch }), ...(options.waitDrained ? { waitDrained: true } : {}) });
    },
    async upgrade(options = {}) {
      const node = options.node === undefined ? undefined : resolve(options.node);
      return request(await control(), 'upgrade', { ...(node === undefined ? {} : { node }), ...(options.waitDrained ? { waitDrained: true } : {}) });
    },
    async stop(options = {}) {
      const grace = options.lbGrace === undefined ? undefined : parseDuration('lbGrace', String(options.lbGrace));
      return request(await control(), 'stop', grace === undefined ? {} : { lbGraceMs: grace });
    },
  };
}
