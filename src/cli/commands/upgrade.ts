// baton upgrade: replace the master itself, optionally onto another node binary, whose
// path is resolved here, in the caller's directory.
import { resolve } from 'node:path';
import { controlPath } from '../../config/options.js';
import { request } from '../../control/client.js';
import { UPGRADE_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton upgrade [--node <path>] [--wait-drained]. */
export async function upgrade(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('upgrade', argv, { ...CONTROL, node: { type: 'string' }, 'wait-drained': { type: 'boolean' } });
  if (values.help) {
    out(UPGRADE_HELP + '\n');
    return 0;
  }
  const node = values.node === undefined ? undefined : resolve(values.node);
  const result = await request(controlPath(values.control), 'upgrade', { ...(node === undefined ? {} : { node }), ...(values['wait-drained'] ? { waitDrained: true } : {}) });
  out(`upgraded: master ${result.previousPid} → ${result.pid} (node ${result.node})\n`);
  return 0;
}
