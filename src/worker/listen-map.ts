// Maps an app's server.listen(...) call onto the listeners the master owns. The port
// (or unix path) picks the listener; the app never binds a socket of its own. A call
// for an address baton was not given fails with an error that says how to fix it.
import { resolve } from 'node:path';
import type { WorkerListener } from '../protocol/worker.js';

/** What a listen() call asked for, after normalising node's many signatures. */
export type ListenRequest =
  | { kind: 'tcp'; port: number; host: string | undefined }
  | { kind: 'unix'; path: string }
  /** listen({ fd }) or listen(handle): the app brings its own socket; left alone. */
  | { kind: 'passthrough' };

export interface NormalizedListen {
  request: ListenRequest;
  backlog: number | undefined;
  callback: ((...args: unknown[]) => void) | undefined;
}

/** Normalises the arguments of net.Server#listen (every documented form). */
export function normalizeListenArgs(args: readonly unknown[]): NormalizedListen {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as (...a: unknown[]) => void) : undefined;
  const rest = callback ? args.slice(0, -1) : args.slice();
  const first = rest[0];

  if (first !== null && typeof first === 'object') {
    const options = first as Record<string, unknown>;
    const backlog = typeof options.backlog === 'number' ? options.backlog : undefined;
    if (options.fd !== undefined || options.handle !== undefined || '_handle' in options) {
      return { request: { kind: 'passthrough' }, backlog, callback };
    }
    if (typeof options.path === 'string') return { request: { kind: 'unix', path: options.path }, backlog, callback };
    const host = typeof options.host === 'string' ? options.host : undefined;
    return { request: { kind: 'tcp', port: toPort(options.port), host }, backlog, callback };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return { request: { kind: 'unix', path: first }, backlog: numberOr(rest[1]), callback };
  }
  const host = typeof rest[1] === 'string' ? rest[1] : undefined;
  const backlog = numberOr(host === undefined ? rest[1] : rest[2]);
  return { request: { kind: 'tcp', port: toPort(first), host }, backlog, callback };
}

export type ListenMatch = { ok: true; listeners: WorkerListener[] } | { ok: false; message: string };

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '::0']);

/**
 * Picks the master listeners a listen request maps to. TCP: every listener on that port;
 * when the app names a specific host that one of them binds, just those. Unix: the
 * listener with the same absolute path.
 */
export function matchListeners(request: ListenRequest, listeners: readonly WorkerListener[], cwd: string): ListenMatch {
  if (request.kind === 'passthrough') return { ok: true, listeners: [] };
  if (request.kind === 'unix') {
    const path = resolve(cwd, request.path);
    const found = listeners.filter((l) => l.kind === 'unix' && l.path === path);
    return found.length > 0 ? { ok: true, listeners: found } : { ok: false, message: unknownAddress(path, listeners) };
  }
  const onPort = listeners.filter((l) => l.kind === 'tcp' && l.port === request.port && request.port !== 0);
  if (onPort.length === 0) {
    const asked = request.port === 0 ? 'a random port (port 0 or no port)' : `port ${request.port}`;
    return { ok: false, message: unknownAddress(asked, listeners) };
  }
  const host = request.host;
  if (host !== undefined && !WILDCARD_HOSTS.has(host)) {
    const exact = onPort.filter((l) => l.kind === 'tcp' && sameHost(l.host, host));
    if (exact.length > 0) return { ok: true, listeners: exact };
  }
  return { ok: true, listeners: onPort };
}

function unknownAddress(asked: string, listeners: readonly WorkerListener[]): string {
  const known = listeners.map((l) => l.key).join(', ') || 'nothing';
  return (
    `baton: the app tried to listen on ${asked}, but baton was not told to listen there (it listens on ${known}). ` +
    'Workers never bind sockets of their own: make the app listen on process.env.PORT, or start baton with a matching --listen.'
  );
}

function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => (h === 'localhost' ? '127.0.0.1' : h.replace(/^\[|\]$/g, '').toLowerCase());
  return norm(a) === norm(b);
}

function toPort(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : -1;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
