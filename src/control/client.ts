// The CLI's side of the control socket: one request, one reply, and a clear error
// when no master answers.
import net from 'node:net';
import { createInterface } from 'node:readline';
import { BatonError, errors } from '../errors.js';
import { CONTROL_PROTOCOL_VERSION } from '../protocol/control.js';
import type { Command, Reply, Results } from '../protocol/control.js';

/**
 * Sends one command and resolves with its typed result; throws the master's error as a
 * BatonError. `timeoutMs` bounds the whole exchange (baton ls asks many masters and must
 * not hang on one that is stuck); without it the command waits as long as it runs.
 */
export function request<C extends Command>(path: string, cmd: C, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<Results[C]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let settled = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => settle(() => reject(errors.noAnswer(path, cmd, timeoutMs))), timeoutMs);
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') settle(() => reject(errors.noMaster(path, code)));
      else if (code === 'EACCES') settle(() => reject(new BatonError('BATON_CONTROL_DENIED', `permission denied on control socket ${path}: it belongs to another user (mode 0600). Run as that user.`)));
      else settle(() => reject(errors.protocol(`control socket ${path}: ${err.message}`)));
    });
    socket.once('connect', () => {
      socket.write(JSON.stringify({ v: CONTROL_PROTOCOL_VERSION, id: 1, cmd, args }) + '\n');
    });
    const lines = createInterface({ input: socket });
    // Socket errors are handled above; readline re-emits them.
    lines.on('error', () => {});
    lines.once('line', (line) => {
      let reply: Reply<C>;
      try {
        reply = JSON.parse(line) as Reply<C>;
      } catch {
        settle(() => reject(errors.protocol(`the master sent a reply that is not JSON: ${line.slice(0, 200)}`)));
        return;
      }
      if (reply.ok) settle(() => resolve(reply.result));
      else settle(() => reject(new BatonError(reply.error.code, reply.error.message)));
    });
    socket.once('close', () => settle(() => reject(errors.protocol(`the master closed the control connection before replying to "${cmd}"`))));
  });
}
