// The master's log: its own lines (one line each, prefixed so they stand apart from
// the workers' output) and the workers' lines it forwards, all through one LogSink:
// the terminal (stderr for its own lines) or the --log-file.
import { LogSink } from './log-sink.js';
import type { Level, WorkerLine } from './log-sink.js';

export type { Level, WorkerLine } from './log-sink.js';

/** A line-oriented logger over a LogSink (injectable for tests). */
export class Logger {
  constructor(readonly sink: LogSink = new LogSink()) {}

  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }

  /** Forwards one line of a worker's output. */
  worker(line: WorkerLine): void {
    this.sink.worker(line);
  }

  private emit(level: Level, message: string): void {
    const time = new Date();
    for (const line of message.split('\n')) this.sink.master(level, line, time);
  }
}
