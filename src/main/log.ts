/**
 * Timestamped log lines to stderr (stdout is reserved: the MCP bridge speaks on it).
 * Level from REACHY_MINI_DRIVER_LOG_LEVEL (debug|info|warn|error), default info.
 * Never pass secrets to a logger: credentials stay in the mesh config, and only their presence is logged.
 */
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

export function formatLogLine(r: LogRecord): string {
  return `${new Date(r.ts).toISOString()} ${r.level.toUpperCase().padEnd(5)} [${r.scope}] ${r.message}`;
}

export function createLogger(scope: string): Logger {
  const emit = (level: LogLevel, message: string): void => {
    const record: LogRecord = { ts: Date.now(), level, scope, message };
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
