// baton logs: show and follow the master's log file (it tells us where that is), or ask
// it to reopen the file after logrotate. Following ends on SIGINT, SIGTERM or EPIPE.
import { StringDecoder } from 'node:string_decoder';
import { DEFAULTS, controlPath } from '../../config/options.js';
import { request } from '../../control/client.js';
import { errors } from '../../errors.js';
import { LOGS_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton logs [-f] [-n <lines>], or baton logs --reopen. */
export async function logs(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('logs', argv, {
    ...CONTROL,
    follow: { type: 'boolean', short: 'f' },
    lines: { type: 'string', short: 'n' },
    reopen: { type: 'boolean' },
  });
  if (values.help) {
    out(LOGS_HELP + '\n');
    return 0;
  }
  const control = controlPath(values.control);
  if (values.reopen) {
    if (values.follow || values.lines !== undefined) throw errors.usage('--reopen does not take -f or -n (see "baton logs --help")');
    const info = await request(control, 'reopen-logs');
    out(`reopened: master ${info.pid} writes to ${info.file}\n`);
    return 0;
  }
  const text = values.lines;
  if (text !== undefined && !/^\d+$/.test(text)) throw errors.invalidOption('--lines', text, 'a whole number of lines, e.g. -n 50');
  const info = await request(control, 'logs');
  if (info.file === null) throw errors.noLogFile();
  const { follow, lastLines } = await import('../logs.js');
  const tail = lastLines(info.file, text === undefined ? DEFAULTS.logLines : Number(text));
  for (const line of tail.lines) out(line + '\n');
  if (!values.follow) return 0;
  // Follow until interrupted; SIGINT / SIGTERM end it with exit 0.
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  process.stdout.once('error', end); // The reader went away (EPIPE), as with "| head".
  const decoder = new StringDecoder('utf8');
  await follow(info.file, tail.size, (chunk) => out(decoder.write(chunk)), stop.signal);
  return 0;
}
