// systemd's notify protocol: READY=1 once the first workers are ready, MAINPID=<pid>
// when an upgrade hands the service to a new master process. Node has no unix
// datagram sockets, so the messages go through systemd's own systemd-notify tool; the
// unit needs NotifyAccess=all for them to count (see the README's unit file).
import { execFile } from 'node:child_process';
import net from 'node:net';
import type { Listener } from './listeners.js';

type ServerHandle = Listener['handle'];
type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number) => ServerHandle | number;
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

/** First fd of systemd socket activation (SD_LISTEN_FDS_START). */
const LISTEN_FDS_START = 3;

/**
 * Sockets handed in by systemd socket activation (LISTEN_FDS, LISTEN_FDNAMES), when
 * LISTEN_PID names this process. The variables are removed so no worker inherits them.
 * TCP sockets are named by their address; unix sockets by their LISTEN_FDNAMES entry,
 * which should be the socket's path for the app's listen(path) to find it.
 */
export function systemdListeners(env: NodeJS.ProcessEnv = process.env): Listener[] {
  const count = Number(env.LISTEN_FDS ?? 0);
  const forUs = env.LISTEN_PID === String(process.pid);
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  for (const name of ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) delete env[name];
  if (!forUs || !Number.isInteger(count) || count <= 0) return [];
  const listeners: Listener[] = [];
  for (let i = 0; i < count; i++) {
    const fd = LISTEN_FDS_START + i;
    const handle = createServerHandle(null, 0, 0, fd);
    if (typeof handle === 'number') throw new Error(`systemd socket fd ${fd} cannot be used as a listener (error ${handle})`);
    const name: Record<string, unknown> = {};
    handle.getsockname?.(name);
    if (typeof name.port === 'number' && typeof name.address === 'string') {
      const host = name.address;
      const key = host.includes(':') ? `[${host}]:${name.port}` : `${host}:${name.port}`;
      listeners.push({ key, spec: { kind: 'tcp', host, port: name.port }, host, port: name.port, fd: handle.fd, handle });
    } else {
      const path = names[i] && names[i]!.startsWith('/') ? names[i]! : `systemd-fd-${fd}`;
      listeners.push({ key: path, spec: { kind: 'unix', path }, fd: handle.fd, handle });
    }
  }
  return listeners;
}

/** Sends the assignments when NOTIFY_SOCKET is set; resolves with an error text or undefined. */
export function notifySystemd(...assignments: string[]): Promise<string | undefined> {
  if (!process.env.NOTIFY_SOCKET) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('systemd-notify', assignments, { timeout: 5000 }, (err, _stdout, stderr) => {
      resolve(err ? `systemd-notify ${assignments.join(' ')} failed: ${stderr.trim() || err.message}` : undefined);
    });
  });
}
