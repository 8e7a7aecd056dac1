// The master's own log lines, on stderr, one line each, prefixed so they stand apart
// from the workers' output that the master forwards.

export type Level = 'info' | 'warn' | 'error';

/** A line-oriented logger; `write` is injectable for tests. */
export class Logger {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }

  private emit(level: Level, message: string): void {
    const time = new Date().toISOString();
    for (const line of message.split('\n')) this.write(`${time} baton[${process.pid}] ${level}: ${line}\n`);
  }
}
