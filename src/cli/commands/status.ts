// baton status: the master's snapshot, as a table for people or as JSON for scripts.
import { controlPath } from '../../config/options.js';
import { request } from '../../control/client.js';
import { formatStatus } from '../format.js';
import { STATUS_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton status [--json]. */
export async function status(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('status', argv, { ...CONTROL, json: { type: 'boolean' } });
  if (values.help) {
    out(STATUS_HELP + '\n');
    return 0;
  }
  const snapshot = await request(controlPath(values.control), 'status');
  out((values.json ? JSON.stringify(snapshot, null, 2) : formatStatus(snapshot)) + '\n');
  return 0;
}
