// systemctl, run for baton startup and unstartup: its failure (or its absence, as in
// most containers) is reported with what it said, never hidden.
import { execFile } from 'node:child_process';

/** How long one systemctl call may take. */
const SYSTEMCTL_TIMEOUT_MS = 30_000;

/** Runs `systemctl [--user] <args>`; resolves with an error text, or undefined on success. */
export function systemctl(user: boolean, args: readonly string[]): Promise<string | undefined> {
  const argv = [...(user ? ['--user'] : []), ...args];
  return new Promise((resolve) => {
    execFile('systemctl', argv, { timeout: SYSTEMCTL_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) return resolve(undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve('systemctl is not installed (is this host run by systemd?)');
      resolve(`systemctl ${argv.join(' ')} failed: ${stderr.trim() || err.message}`);
    });
  });
}
