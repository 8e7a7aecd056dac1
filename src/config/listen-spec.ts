// What "--listen" accepts: a port, host:port, [ipv6]:port, or a unix socket path.
// One parser so the CLI, the master and the worker runtime agree on listener keys.
import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { errors } from '../errors.js';

export type ListenSpec =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string };

const ALLOWED = 'a port (3000), host:port (127.0.0.1:3000), [ipv6]:port ([::1]:3000) or a unix socket path (./app.sock)';

/** The default host for a bare port: every IPv4 and IPv6 interface, as node does. */
export const ANY_HOST = '::';

/** Parses one --listen value; relative unix paths are resolved against cwd. */
export function parseListenSpec(text: string, cwd = process.cwd(), option = '--listen'): ListenSpec {
  const value = text.trim();
  if (value === '') throw errors.invalidOption(option, text, ALLOWED);
  if (/^\d+$/.test(value)) return tcp(ANY_HOST, parsePort(value, text, option));
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw errors.invalidOption(option, text, ALLOWED);
    return tcp(bracketed[1]!, parsePort(bracketed[2]!, text, option));
  }
  const hostPort = /^([^/:\s[\]]+):(\d+)$/.exec(value);
  if (hostPort) return tcp(hostPort[1]!, parsePort(hostPort[2]!, text, option));
  if (value.includes('/') || value.endsWith('.sock')) {
    const path = isAbsolute(value) ? value : resolve(cwd, value);
    return { kind: 'unix', path };
  }
  throw errors.invalidOption(option, text, ALLOWED);
}

/** A stable, human-readable name for a listener: its key, shared by master and workers. */
export function formatListener(spec: ListenSpec): string {
  if (spec.kind === 'unix') return spec.path;
  return spec.host.includes(':') ? `[${spec.host}]:${spec.port}` : `${spec.host}:${spec.port}`;
}

function tcp(host: string, port: number): ListenSpec {
  return { kind: 'tcp', host, port };
}

function parsePort(digits: string, text: string, option: string): number {
  const port = Number(digits);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw errors.invalidOption(option, text, `${ALLOWED}, with a port from 0 (any free port) to 65535`);
  }
  return port;
}
