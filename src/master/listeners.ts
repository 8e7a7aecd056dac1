// The master's listening sockets: bound once at start and kept open for the life of
// the service. The master never accepts on them (it never even calls listen(2)):
// workers get the fds in their stdio tables and accept themselves, so a connection
// that arrives while no worker accepts waits in the kernel's queue instead of failing.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { errors } from '../errors.js';
import { answers } from '../probe.js';
import { formatListener } from '../config/listen-spec.js';
import type { ListenSpec } from '../config/listen-spec.js';
import { FIRST_HANDOVER_FD } from '../protocol/handover.js';
import type { HandedListener } from '../protocol/handover.js';

interface ServerHandle {
  fd: number;
  close(): void;
  getsockname?(out: Record<string, unknown>): number;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number, flags?: number) => ServerHandle | number;

/** A bound socket owned by the master. `key` names it for workers, status and logs. */
export interface Listener {
  key: string;
  spec: ListenSpec;
  fd: number;
  /** For TCP: the bound address and the actual port (port 0 picks one). */
  host?: string;
  port?: number;
  handle: ServerHandle;
}

const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

/** Binds every spec, or none: on failure the ones already bound are closed again. */
export async function bindListeners(specs: readonly ListenSpec[]): Promise<Listener[]> {
  const bound: Listener[] = [];
  try {
    for (const spec of specs) bound.push(await bindListener(spec));
    return bound;
  } catch (err) {
    closeListeners(bound);
    throw err;
  }
}

/**
 * Wraps listening fds inherited from the previous master (fd i of the list at stdio
 * index firstFd + i). Nothing is bound: the sockets are the very same ones.
 */
export function adoptListeners(handed: readonly HandedListener[], firstFd = FIRST_HANDOVER_FD): Listener[] {
  return handed.map((l, i) => {
    const result = createServerHandle(null, 0, 0, firstFd + i);
    if (typeof result === 'number') throw listenError(`inherited ${l.key} (fd ${firstFd + i})`, result);
    return { key: l.key, spec: l.spec, host: l.host, port: l.port, fd: result.fd, handle: result };
  });
}

/**
 * Closes the master's copies (the kernel socket closes with the last copy). `unlink`:
 * also remove unix sockets' files, which a master that handed over must not do (the
 * new master's clients still connect through them).
 */
export function closeListeners(listeners: readonly Listener[], unlink = true): void {
  for (const listener of listeners) {
    listener.handle.close();
    if (unlink && listener.spec.kind === 'unix') {
      try {
        unlinkSync(listener.spec.path);
      } catch {
        // Already gone: nothing to clean up.
      }
    }
  }
}

async function bindListener(spec: ListenSpec): Promise<Listener> {
  if (spec.kind === 'unix') return bindUnix(spec);
  const address = spec.host === '::' ? null : await resolveHost(spec.host);
  const family = address === null ? 6 : net.isIP(address);
  const result = createServerHandle(address, spec.port, family);
  if (typeof result === 'number') throw listenError(formatListener(spec), result);
  // Linux lets a SO_REUSEADDR socket bind a port another process listens on, and only
  // listen(2) fails; the master never calls listen(2), so it asks: does anyone answer?
  if (spec.port !== 0 && (await someoneListens(address, spec.port))) {
    result.close();
    throw listenError(formatListener(spec), -constants.errno.EADDRINUSE);
  }
  const name: Record<string, unknown> = {};
  result.getsockname?.(name);
  const host = typeof name.address === 'string' ? name.address : spec.host;
  const port = typeof name.port === 'number' ? name.port : spec.port;
  const key = formatListener({ kind: 'tcp', host, port });
  return { key, spec, fd: result.fd, host, port, handle: result };
}

async function bindUnix(spec: Extract<ListenSpec, { kind: 'unix' }>): Promise<Listener> {
  let result = createServerHandle(spec.path, -1, -1);
  if (result === -constants.errno.EADDRINUSE && existsSync(spec.path) && !(await answers(spec.path))) {
    // A socket file left behind by a process that is gone: nobody answers on it.
    unlinkSync(spec.path);
    result = createServerHandle(spec.path, -1, -1);
  }
  if (typeof result === 'number') throw listenError(spec.path, result);
  return { key: spec.path, spec, fd: result.fd, handle: result };
}

async function someoneListens(address: string | null, port: number): Promise<boolean> {
  const hosts = address === null || address === '0.0.0.0' || address === '::' ? ['127.0.0.1', '::1'] : [address];
  const alive = await Promise.all(hosts.map((host) => answers({ host, port })));
  return alive.some(Boolean);
}

async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw errors.listenFailed(host, 'ENOTFOUND', `The host name "${host}" does not resolve; use an IP address or a resolvable name.`);
  }
}

function listenError(address: string, errno: number): Error {
  const code = getSystemErrorName(errno);
  const hints: Record<string, string> = {
    EADDRINUSE: 'Another process is listening there: stop it, or choose another address with --listen.',
    EACCES: 'Permission denied: ports below 1024 need privileges (or CAP_NET_BIND_SERVICE), and a unix socket needs a writable directory.',
    EADDRNOTAVAIL: 'That address does not belong to this machine: use one of its addresses, or 0.0.0.0 / :: for all.',
    ENOENT: 'The directory for the unix socket does not exist: create it first.',
  };
  return errors.listenFailed(address, code, hints[code] ?? 'Check the --listen value.');
}
