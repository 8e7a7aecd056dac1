// Does anything accept connections at an address right now? Used to tell a live
// socket from a stale file, and a port in use from a free one, before binding.
import net from 'node:net';

const PROBE_TIMEOUT_MS = 1000;

/** Resolves true if a connect to the unix path (or host and port) succeeds. */
export function answers(target: string | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = typeof target === 'string' ? net.connect(target) : net.connect(target);
    const done = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
