// baton logs: show and follow the master's log file (it tells us where that is), or ask
// it to reopen the file after logrotate. Following ends on SIGINT, SIGTERM or EPIPE.
// A name (or "all") picks the app(s) from the registry; following every app prefixes
// each line with its app's name.
import { StringDecoder } from 'node:string_decoder';
import { DEFAULTS } from '../../config/options.js';
import { request } from '../../control/client.js';
import { errors } from '../../errors.js';
import { targetOf } from '../apps.js';
import { runOnTarget } from '../each.js';
import { LOGS_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton logs [<name>|all] [-f] [-n <lines>], or baton logs [<name>|all] --reopen. */
export async function logs(argv: readonly string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    'logs',
    argv,
    {
      ...CONTROL,
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
      reopen: { type: 'boolean' },
    },
    true,
  );
  if (values.help) {
    out(LOGS_HELP + '\n');
    return 0;
  }
  if (values.reopen && (values.follow || values.lines !== undefined)) throw errors.usage('--reopen does not take -f or -n (see "baton logs --help")');
  const text = values.lines;
  if (text !== undefined && !/^\d+$/.test(text)) throw errors.invalidOption('--lines', text, 'a whole number of lines, e.g. -n 50');
  const count = text === undefined ? DEFAULTS.logLines : Number(text);
  const target = targetOf('logs', positionals, values.control);
  if (values.reopen) {
    return runOnTarget(target, out, async (control) => {
      const info = await request(control, 'reopen-logs');
      return `reopened: master ${info.pid} writes to ${info.file}\n`;
    });
  }
  const { follow, lastLines } = await import('../logs.js');
  // The last lines of each app's file, and where following starts in it.
  const files: Array<{ name: string | undefined; file: string; size: number }> = [];
  const code = await runOnTarget(target, out, async (control, entry) => {
    const info = await request(control, 'logs');
    if (info.file === null) throw errors.noLogFile();
    const tail = lastLines(info.file, count);
    files.push({ name: entry?.name, file: info.file, size: tail.size });
    return tail.lines.map((line) => line + '\n').join('');
  }, { blocks: true });
  if (!values.follow || files.length === 0) return code;
  // Follow until interrupted; SIGINT / SIGTERM end it with the exit code so far.
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  process.stdout.once('error', end); // The reader went away (EPIPE), as with "| head".
  await Promise.all(
    files.map(({ name, file, size }) => {
      const decoder = new StringDecoder('utf8');
      if (target.kind === 'one') return follow(file, size, (chunk) => out(decoder.write(chunk)), stop.signal);
      // Several files at once: whole lines only, each under its app's name.
      let partial = '';
      return follow(
        file,
        size,
        (chunk) => {
          const lines = (partial + decoder.write(chunk)).split('\n');
          partial = lines.pop()!;
          for (const line of lines) out(`[${name}] ${line}\n`);
        },
        stop.signal,
      );
    }),
  );
  return code;
}
