// Durations on the command line: "500ms", "5s", "2m", or a bare number of milliseconds.
import { errors } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Parses a duration into milliseconds; throws a usage error naming the option. */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw errors.invalidOption(option, text, 'a duration such as 500ms, 5s, 2m or a number of milliseconds');
  const ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
  if (!Number.isFinite(ms) || ms < 1) throw errors.invalidOption(option, text, 'a duration of at least 1ms');
  return ms;
}
