// The master's control socket: a unix socket with mode 0600 (only its owner may drive
// the cluster), carrying JSON-line requests. A bad request gets an error reply and
// never disturbs the cluster.
import net from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { errors, isBatonError } from '../errors.js';
import { answers } from '../probe.js';
import { CONTROL_PROTOCOL_VERSION, encodeReply, parseRequest, requestIdOf } from '../protocol/control.js';
import type { Command, Request, Results } from '../protocol/control.js';

export type Handler = (request: Request) => Promise<Results[Command]>;

const MAX_LINE = 64 * 1024;

/** Listens on `path`; refuses if a live master already answers there, replaces a stale file. */
export async function listenControl(path: string, handle: Handler): Promise<net.Server> {
  if (existsSync(path)) {
    if (await answers(path)) throw errors.controlInUse(path);
    unlinkSync(path);
  }
  const server = net.createServer((socket) => serve(socket, handle));
  // The socket is created with mode 0600 from the start: no window in which others
  // could connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const hint = code === 'EACCES' ? 'Permission denied: choose a directory you can write to with --control.' : 'Choose another path with --control.';
    throw errors.controlListenFailed(path, code, hint);
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return server;
}

/** Closes the control socket and removes its file. */
export function closeControl(server: net.Server, path: string): void {
  server.close();
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function serve(socket: net.Socket, handle: Handler): void {
  socket.on('error', () => {});
  const lines = createInterface({ input: socket, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    if (line.length > MAX_LINE) {
      reply(socket, null, errors.badRequest(`request longer than ${MAX_LINE} bytes`));
      return;
    }
    let request: Request;
    try {
      request = parseRequest(line);
    } catch (err) {
      reply(socket, requestIdOf(line), err);
      return;
    }
    handle(request).then(
      (result) => {
        if (!socket.destroyed) socket.write(encodeReply({ v: CONTROL_PROTOCOL_VERSION, id: request.id, ok: true, result }));
      },
      (err) => reply(socket, request.id, err),
    );
  });
}

function reply(socket: net.Socket, id: number | null, err: unknown): void {
  if (socket.destroyed) return;
  const error = isBatonError(err)
    ? { code: err.code, message: err.message }
    : { code: 'BATON_INTERNAL', message: `internal error: ${(err as Error)?.message ?? String(err)}` };
  socket.write(encodeReply({ v: CONTROL_PROTOCOL_VERSION, id, ok: false, error }));
}
