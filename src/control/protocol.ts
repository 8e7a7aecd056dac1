// The control protocol: JSON, one object per line, over a unix socket. Requests and
// replies carry a version so a CLI and a master of different releases fail clearly.
import { errors } from '../errors.js';

export const CONTROL_PROTOCOL_VERSION = 1;

export type Command = 'status' | 'reload' | 'upgrade' | 'stop' | 'logs' | 'reopen-logs';
const COMMANDS: readonly Command[] = ['status', 'reload', 'upgrade', 'stop', 'logs', 'reopen-logs'];

export interface Request {
  v: number;
  id: number;
  cmd: Command;
  args?: Record<string, unknown>;
}

export type Reply =
  | { v: number; id: number | null; ok: true; result: unknown }
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
export function encodeReply(reply: Reply): string {
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
