// Where the master's log lines and its workers' output go: the terminal, or a log file
// opened for append (so an old and a new master can share it during an upgrade, each
// with its own fd). Lines are written synchronously: nothing sits in a buffer that a
// master exiting right after could lose. reopen() swaps the fd for logrotate. A file
// that cannot be written (a full disk, an I/O error) never stops the cluster: its lines
// are counted as dropped, one warning goes to stderr, and writing resumes by itself.
import { closeSync, openSync, writeSync as fsWriteSync } from 'node:fs';
import type { LogFormat } from '../config/log-format.js';
import { errors } from '../errors.js';

// The format is a setting (src/config/); re-exported for code that imports it from here.
export { LOG_FORMATS } from '../config/log-format.js';
export type { LogFormat } from '../config/log-format.js';
export type Level = 'info' | 'warn' | 'error';

/** One line a worker wrote, with who wrote it. */
export interface WorkerLine {
  worker: number;
  pid: number | undefined;
  generation: number;
  stream: 'stdout' | 'stderr';
  message: string;
}

/** Writes bytes to an fd, as fs.writeSync does (injectable to test a failing disk). */
export type WriteSync = (fd: number, buffer: Buffer, offset: number) => number;

/** The destination of every log line of one master process. */
export class LogSink {
  private fd: number | undefined;
  /** Lines that could not be written, since this master started. */
  dropped = 0;
  /** Set while the file cannot be written: the error code, and the lines lost since. */
  private failing: { code: string; lost: number } | undefined;

  /** With `file`, opens it for append now (throws a BatonError saying why not). */
  constructor(
    readonly format: LogFormat = 'text',
    readonly file?: string,
    private readonly writeSync: WriteSync = (fd, buffer, offset) => fsWriteSync(fd, buffer, offset),
    private readonly warn: (message: string) => void = (message) => process.stderr.write(`baton: ${message}\n`),
  ) {
    if (file !== undefined) this.fd = openLogFile(file);
  }

  /** One of the master's own lines (no newline inside). */
  master(level: Level, message: string, time = new Date()): void {
    const text =
      this.format === 'json'
        ? JSON.stringify({ time: time.toISOString(), source: 'master', pid: process.pid, level, message })
        : `${time.toISOString()} baton[${process.pid}] ${level}: ${message}`;
    this.write('stderr', text + '\n');
  }

  /** One line of a worker's stdout or stderr. */
  worker(line: WorkerLine, time = new Date()): void {
    const text =
      this.format === 'json'
        ? JSON.stringify({ time: time.toISOString(), source: 'worker', worker: line.worker, pid: line.pid ?? null, generation: line.generation, stream: line.stream, message: line.message })
        : `[worker ${line.worker} pid=${line.pid ?? '?'} gen=${line.generation}] ${line.message}`;
    this.write(line.stream, text + '\n');
  }

  /**
   * Opens the log file again at its path (after logrotate moved it), then closes the
   * old fd: no line is written to neither. If the path cannot be opened, the old fd
   * stays in use and this throws.
   */
  reopen(): void {
    if (this.file === undefined) throw errors.noLogFile();
    const fd = openLogFile(this.file);
    const old = this.fd;
    this.fd = fd;
    if (old !== undefined) closeSync(old);
  }

  /** Closes the log file, if any. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.fd === undefined) {
      if (this.file === undefined) process[stream].write(text);
      return;
    }
    const bytes = Buffer.from(text);
    try {
      for (let done = 0; done < bytes.length; ) done += this.writeSync(this.fd, bytes, done);
    } catch (err) {
      // A full disk must not take the cluster down: the line is lost, counted, and said once.
      this.dropped++;
      if (this.failing) {
        this.failing.lost++;
        return;
      }
      this.failing = { code: (err as NodeJS.ErrnoException).code ?? String(err), lost: 1 };
      this.warn(`cannot write the log file ${this.file}: ${this.failing.code}; the cluster keeps serving, and log lines are dropped (counted in baton status) until the file can be written again`);
      return;
    }
    if (this.failing) {
      const { code, lost } = this.failing;
      this.failing = undefined;
      this.master('warn', `the log file can be written again; ${lost} line${lost === 1 ? ' was' : 's were'} dropped (${code})`);
    }
  }
}

function openLogFile(file: string): number {
  try {
    return openSync(file, 'a', 0o640);
  } catch (err) {
    throw errors.logFileFailed(file, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}
