// systemd's notify protocol: READY=1 once the first workers are ready, MAINPID=<pid>
// when an upgrade hands the service to a new master process. Node has no unix
// datagram sockets, so the messages go through systemd's own systemd-notify tool; the
// unit needs NotifyAccess=all for them to count (see the README's unit file).
import { execFile } from 'node:child_process';

/** Sends the assignments when NOTIFY_SOCKET is set; resolves with an error text or undefined. */
export function notifySystemd(...assignments: string[]): Promise<string | undefined> {
  if (!process.env.NOTIFY_SOCKET) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('systemd-notify', assignments, { timeout: 5000 }, (err, _stdout, stderr) => {
      resolve(err ? `systemd-notify ${assignments.join(' ')} failed: ${stderr.trim() || err.message}` : undefined);
    });
  });
}
