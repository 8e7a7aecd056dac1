// The control protocol: JSON, one object per line, over a unix socket. Requests and
// replies carry a version so a CLI and a master of different releases fail clearly.
// Version 1 is what release 0.1.0 speaks: a new CLI drives an old master during an
// upgrade, so fields are only ever added to it, never renamed or removed.
import { errors } from '../errors.js';
import type { WorkerState } from './worker.js';

export const CONTROL_PROTOCOL_VERSION = 1;

export type Command = 'status' | 'reload' | 'upgrade' | 'stop' | 'logs' | 'reopen-logs';
const COMMANDS: readonly Command[] = ['status', 'reload', 'upgrade', 'stop', 'logs', 'reopen-logs'];

export interface Request {
  v: number;
  id: number;
  cmd: Command;
  args?: Record<string, unknown>;
}

export type Reply<C extends Command = Command> =
  | { v: number; id: number | null; ok: true; result: Results[C] }
  | { v: number; id: number | null; ok: false; error: { code: string; message: string } };

/** Parses one request line; throws a BATON_BAD_REQUEST error that says what is wrong. */
export function parseRequest(line: string): Request {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw errors.badRequest('request is not valid JSON; send one JSON object per line, e.g. {"v":1,"id":1,"cmd":"status"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw errors.badRequest('request must be a JSON object');
  const request = value as Record<string, unknown>;
  if (request.v !== CONTROL_PROTOCOL_VERSION) {
    throw errors.badRequest(`unsupported protocol version ${JSON.stringify(request.v)}; this master speaks version ${CONTROL_PROTOCOL_VERSION}`);
  }
  if (typeof request.id !== 'number' || !Number.isInteger(request.id)) throw errors.badRequest('"id" must be an integer');
  if (typeof request.cmd !== 'string' || !COMMANDS.includes(request.cmd as Command)) {
    throw errors.badRequest(`unknown command ${JSON.stringify(request.cmd)}; expected one of ${COMMANDS.join(', ')}`);
  }
  if (request.args !== undefined && (typeof request.args !== 'object' || request.args === null || Array.isArray(request.args))) {
    throw errors.badRequest('"args" must be an object');
  }
  return request as unknown as Request;
}

/** Serialises a reply as one line. */
export function encodeReply(reply: Reply | { v: number; id: number | null; ok: true; result: unknown }): string {
  return JSON.stringify(reply) + '\n';
}

/** Best effort: the id of a request we could not parse, so the reply can still name it. */
export function requestIdOf(line: string): number | null {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

/** A worker as `baton status --json` shows it (a slot backing off has no process). */
export interface WorkerStatus {
  id: number | null;
  pid: number | null;
  slot: number;
  generation: number;
  state: WorkerState | 'backoff';
  uptimeMs: number;
  restarts: number;
  nextRestartInMs?: number;
  /** Resident memory, bytes (absent when it could not be read). */
  rssBytes?: number;
  /** CPU use since the previous status, percent of one core (0 on the first). */
  cpuPercent?: number;
  /** Open connections, as the worker last reported (every second); upgraded ones (WebSockets) included. */
  connections?: number;
  /** Of those, taken over by an 'upgrade' handler. */
  upgraded?: number;
  /** HTTP requests (and HTTP/2 streams) it has received. */
  requests?: number;
  /** Requests per second over its last report interval. */
  requestsPerSecond?: number;
  /** While draining: time left before it gets SIGTERM. */
  drainDeadlineInMs?: number;
  /** Its event loop over the last second: delay (p99, ms) and utilisation (0..1). */
  eventLoopDelayMs?: number;
  eventLoopUtilization?: number;
  /** Milliseconds since its last heartbeat (its last report). */
  lastHeartbeatMs?: number;
}

export interface OperationRecord {
  kind: 'reload' | 'upgrade';
  /** For a reload: the generation it rolled to. For an upgrade: the generation of the new master's workers. */
  generation: number;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  error?: string;
}

/** The reply to "status": what `baton status --json` prints. */
export interface StatusSnapshot {
  pid: number;
  node: string;
  /** The master's baton version (absent from 0.1.0 masters). */
  baton?: string;
  /** The master's state, as in the README's request table (absent from 0.1.0 masters). */
  state?: string;
  startedAt: string;
  uptimeMs: number;
  /** The master's own resident memory, bytes. */
  rssBytes: number;
  generation: number;
  /** What is running: a reload, an upgrade, a stop, or a --max-memory swap of one worker. */
  operation: 'reload' | 'upgrade' | 'stop' | 'swap' | null;
  listeners: string[];
  workers: WorkerStatus[];
  lastReload: OperationRecord | null;
  /** The last master upgrade: from the successor's side if it succeeded (it is this master). */
  lastUpgrade: (OperationRecord & { fromPid?: number; toPid?: number }) | null;
  /** Log lines the master could not write (a full disk), since it started (absent from 0.1.0 masters). */
  logLinesDropped?: number;
}

/** The reply to "reload". */
export interface ReloadResult {
  generation: number;
  durationMs: number;
  workers: number;
}

/** The reply to "upgrade": the new master, and the one it replaced. */
export interface UpgradeResult {
  pid: number;
  previousPid: number;
  node: string;
}

/** The reply to "stop". */
export interface StopResult {
  stopped: true;
  pid: number;
}

/** The reply to "logs" and "reopen-logs": where the master writes its log. */
export interface LogInfo {
  pid: number;
  file: string | null;
  format: string;
}

/** What each command's successful reply carries. */
export interface Results {
  status: StatusSnapshot;
  reload: ReloadResult;
  upgrade: UpgradeResult;
  stop: StopResult;
  logs: LogInfo;
  'reopen-logs': LogInfo;
}
