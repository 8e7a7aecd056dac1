// The master's control socket: a unix socket with mode 0600 (only its owner may drive
// the cluster), carrying JSON-line requests. A bad request gets an error reply and
// never disturbs the cluster, and the socket defends itself: a request must be complete
// within REQUEST_DEADLINE_MS, a line may not exceed MAX_LINE, at most MAX_CONNECTIONS
// clients are served at once (the rest get a clear refusal), and running out of file
// descriptors is logged, never fatal.
import net from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { errors, isBatonError } from '../errors.js';
import { answers } from '../probe.js';
import { CONTROL_PROTOCOL_VERSION, encodeReply, parseRequest, requestIdOf } from '../protocol/control.js';
import type { Command, Request, Results } from '../protocol/control.js';

export type Handler = (request: Request) => Promise<Results[Command]>;

/** Limits of the control socket; the defaults suit a CLI that sends one request and reads one reply. */
export interface ControlLimits {
  /** How long a client may take to send a complete request (from connecting, or from its last reply). */
  requestDeadlineMs: number;
  /** How many clients are served at once. */
  maxConnections: number;
  /** Where a problem with the socket itself (fd exhaustion) is reported. */
  warn: (message: string) => void;
}

const MAX_LINE = 64 * 1024;
export const CONTROL_LIMITS: ControlLimits = { requestDeadlineMs: 5000, maxConnections: 64, warn: (m) => process.stderr.write(`baton: ${m}\n`) };

/** Listens on `path`; refuses if a live master already answers there, replaces a stale file. */
export async function listenControl(path: string, handle: Handler, limits: ControlLimits = CONTROL_LIMITS): Promise<net.Server> {
  if (existsSync(path)) {
    if (await answers(path)) throw errors.controlInUse(path);
    unlinkSync(path);
  }
  let open = 0;
  const server = net.createServer((socket) => {
    open++;
    socket.once('close', () => open--);
    if (open > limits.maxConnections) {
      refuse(socket, errors.busyControl(limits.maxConnections));
      return;
    }
    serve(socket, handle, limits);
  });
  // Accepting can fail when the process is out of file descriptors (EMFILE): node then
  // emits 'error' on the server, which must not take the master down. Said once per burst.
  let warned = 0;
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (Date.now() - warned < 10_000) return;
    warned = Date.now();
    limits.warn(`control socket ${path}: ${err.code ?? err.message} while accepting a connection; the cluster keeps serving (is the open-files limit too low?)`);
  });
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

function serve(socket: net.Socket, handle: Handler, limits: ControlLimits): void {
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  let buffered = '';
  let inFlight = 0;
  let deadline: NodeJS.Timeout | undefined;
  /** A client gets REQUEST_DEADLINE_MS to send a complete request whenever none is being answered. */
  const arm = () => {
    clearTimeout(deadline);
    if (inFlight > 0 || socket.destroyed) return;
    deadline = setTimeout(() => {
      const what = buffered.trim() === '' ? 'no request' : 'an incomplete request (no newline)';
      refuse(socket, errors.badRequest(`${what} within ${limits.requestDeadlineMs}ms; send one JSON object per line, e.g. {"v":1,"id":1,"cmd":"status"}`));
    }, limits.requestDeadlineMs);
    deadline.unref();
  };
  socket.once('close', () => clearTimeout(deadline));
  arm();
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (line.length > MAX_LINE) {
        reply(socket, null, errors.badRequest(`request longer than ${MAX_LINE} bytes`));
        continue;
      }
      if (line.trim() !== '') serveLine(line);
    }
    // A line that never ends must not grow without bound.
    if (buffered.length > MAX_LINE) {
      buffered = '';
      refuse(socket, errors.badRequest(`request longer than ${MAX_LINE} bytes`));
    }
  });
  const serveLine = (line: string) => {
    let request: Request;
    try {
      request = parseRequest(line);
    } catch (err) {
      reply(socket, requestIdOf(line), err);
      arm();
      return;
    }
    inFlight++;
    arm();
    handle(request).then(
      (result) => {
        if (!socket.destroyed) socket.write(encodeReply({ v: CONTROL_PROTOCOL_VERSION, id: request.id, ok: true, result }));
      },
      (err) => reply(socket, request.id, err),
    ).finally(() => {
      inFlight--;
      arm();
    });
  };
}

/** Answers with an error and closes the connection. */
function refuse(socket: net.Socket, err: unknown): void {
  reply(socket, null, err);
  socket.end();
  // A client that does not read its refusal does not keep the connection open.
  setTimeout(() => socket.destroy(), 1000).unref();
}

function reply(socket: net.Socket, id: number | null, err: unknown): void {
  if (socket.destroyed) return;
  const error = isBatonError(err)
    ? { code: err.code, message: err.message }
    : { code: 'BATON_INTERNAL', message: `internal error: ${(err as Error)?.message ?? String(err)}` };
  socket.write(encodeReply({ v: CONTROL_PROTOCOL_VERSION, id, ok: false, error }));
}
