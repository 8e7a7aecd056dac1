// Memory sizes on the command line: "512MB", "1.5GB", "300M", "64KB", or bytes.
import { errors } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** Parses a size into bytes; throws a usage error naming the option. */
export function parseSize(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit ? Math.round(Number(match[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 * 1024) {
    throw errors.invalidOption(option, text, 'a size of at least 1MB, such as 300MB, 1.5GB or 512M');
  }
  return bytes;
}
