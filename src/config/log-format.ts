// How log lines are written: a setting of baton start, so it lives with the settings;
// the master's log sink imports it from here.

/** A log line format: plain text, or one JSON object per line. */
export type LogFormat = 'text' | 'json';

/** Every log format, in the order messages list them. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
