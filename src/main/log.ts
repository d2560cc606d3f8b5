/**
 * Timestamped log lines to stderr (stdout is reserved: the MCP bridge speaks on it).
 * Level from REACHY_MINI_DRIVER_LOG_LEVEL (debug|info|warn|error), default info.
 * Never pass secrets to a logger: credentials stay in the mesh config, and only their presence is logged.
 *
 * Messages often quote callers (an emergency-stop reason, an owner, a device id), so every record is made safe
 * here, once, for every sink: control characters (newlines included) are shown escaped, so one record is always
 * one line and nobody can forge a line, and a message is cut at LOG_MESSAGE_MAX_CHARS with its size noted.
 */
import { clipText } from '../shared/bounded';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogRecord {
  ts: number;
  level: LogLevel;
  scope: string;
  message: string;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(scope: string): Logger;
}

type Sink = (record: LogRecord) => void;
const sinks = new Set<Sink>();

/** Extra destinations (the console's log panel keeps a ring buffer through this). */
export function addLogSink(sink: Sink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

function envLevel(): LogLevel {
  const raw = (process.env.REACHY_MINI_DRIVER_LOG_LEVEL ?? 'info').toLowerCase();
  if (raw === 'warning') return 'warn';
  return raw in ORDER ? (raw as LogLevel) : 'info';
}

let threshold: LogLevel = envLevel();
let stderrEnabled = true;

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** Tests silence stderr output while keeping sinks. */
export function setStderrLogging(enabled: boolean): void {
  stderrEnabled = enabled;
}

/** Longest message kept in a log record (characters); longer ones are cut with their size noted. */
export const LOG_MESSAGE_MAX_CHARS = 4_000;

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators (some viewers break lines on them).
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One line of printable text: control characters escaped (`\n` → `\\n`), length bounded. */
export function sanitizeLogText(text: string, max: number = LOG_MESSAGE_MAX_CHARS): string {
  return clipText(text, max).replace(UNSAFE_CHARS, escapeChar);
}

export function formatLogLine(r: LogRecord): string {
  return `${new Date(r.ts).toISOString()} ${r.level.toUpperCase().padEnd(5)} [${r.scope}] ${r.message}`;
}

export function createLogger(scope: string): Logger {
  const safeScope = sanitizeLogText(scope, 200);
  const emit = (level: LogLevel, message: string): void => {
    const record: LogRecord = { ts: Date.now(), level, scope: safeScope, message: sanitizeLogText(String(message)) };
    for (const sink of sinks) sink(record);
    if (!stderrEnabled || ORDER[level] < ORDER[threshold]) return;
    process.stderr.write(formatLogLine(record) + '\n');
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (sub) => createLogger(`${scope}/${sub}`),
  };
}
