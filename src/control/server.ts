// The master's control socket: a unix socket with mode 0600 (only its owner may drive
// the cluster), carrying JSON-line requests. A bad request gets an error reply and
// never disturbs the cluster, and the socket defends itself: a request must be complete
// within REQUEST_DEADLINE_MS, a line may not exceed MAX_LINE, at most MAX_CONNECTIONS
// clients are served at once (the rest get a clear refusal), and running out of file
// descriptors is logged, never fatal.
import net from 'node:net';
import { chmodSync, existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/** The longest unix socket path the kernel takes (sun_path holds 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/** A listening control socket, and which file it is (to tell whether `path` is still ours). */
export interface ControlSocket {
  server: net.Server;
  path: string;
  /**
   * The name it was bound under: a temporary one renamed to `path` whenever that fits
   * in a socket address. Closing a server unlinks the name it was bound under (libuv
   * does), so only a socket bound under its own temporary name can keep listening while
   * a successor's socket replaces `path`, and close afterwards without removing it.
   */
  bound: string;
  dev: number;
  ino: number;
}

/**
 * Listens on `path`. A fresh master refuses if a live master already answers there and
 * replaces a stale file. With `replace` (a successor taking over from the master that
 * still answers there) it does not ask. The socket is bound under a temporary name
 * beside `path` and renamed over it, so that `path` always has a master answering:
 * connections made before the rename reach the old master, those after it the new one.
 */
export async function listenControl(path: string, handle: Handler, limits: ControlLimits = CONTROL_LIMITS, replace = false): Promise<ControlSocket> {
  if (!replace && existsSync(path) && (await answers(path))) throw errors.controlInUse(path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}`);
  const bound = Buffer.byteLength(temporary) <= MAX_SOCKET_PATH ? temporary : path;
  removeFile(bound);
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
      server.listen(bound, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(bound, 0o600);
    if (bound !== path) renameSync(bound, path);
  } catch (err) {
    if (server.listening) server.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const hint = code === 'EACCES' ? 'Permission denied: choose a directory you can write to with --control.' : 'Choose another path with --control.';
    throw errors.controlListenFailed(path, code, hint);
  } finally {
    process.umask(umask);
  }
  const { dev, ino } = statSync(path);
  return { server, path, bound, dev, ino };
}

/** True while `path` is still this socket's file (a successor has not replaced it). */
export function ownsPath(control: ControlSocket): boolean {
  try {
    const now = statSync(control.path);
    return now.ino === control.ino && now.dev === control.dev;
  } catch {
    return false;
  }
}

/** Closes the control socket and removes its file, unless another master's socket has replaced it. */
export function closeControl(control: ControlSocket): void {
  control.server.close();
  if (ownsPath(control)) removeFile(control.path);
}

function removeFile(path: string): void {
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
