/**
 * One clear line when a server cannot listen (port taken, no permission, address not on this machine), naming the
 * port and how to change it. Every command that opens a port goes through here, so the wording is the same
 * everywhere and no stack trace reaches the user; the CLI prints a ListenError's message and exits 1.
 */

export interface ListenTarget {
  port: number;
  host: string;
  /** How the user picks another port, e.g. `--port <n>`. */
  change: string;
}

/** A server could not open its port; `message` is the single line to show. */
export class ListenError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
    this.code = code;
  }
}

const errno = (err: unknown): { code?: string; syscall?: string; message?: string } =>
  typeof err === 'object' && err !== null ? (err as { code?: string; syscall?: string; message?: string }) : {};

/** True for the errors `server.listen` reports (as opposed to a failure after the port was open). */
export function isListenFailure(err: unknown): boolean {
  const e = errno(err);
  // getaddrinfo: the bind address is a name that does not resolve.
  return e.syscall === 'listen' || e.syscall === 'getaddrinfo' || e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL';
}

export function listenFailureLine(err: unknown, t: ListenTarget): string {
  const e = errno(err);
  const where = `${t.host}:${t.port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${t.port} on ${t.host} is already in use (another program, or this one started twice); choose another with ${t.change} (0 = any free port)`;
    case 'EACCES':
      return `no permission to listen on ${where} (ports below 1024 need privileges); choose another with ${t.change}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${t.host} is not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: the name ${t.host} does not resolve to an address`;
    default: {
      const msg = (e.message ?? String(err)).replace(/\s+/g, ' ').trim();
      return `cannot listen on ${where}: ${msg}`;
    }
  }
}

/** Runs a server start; a failure to open the port is rethrown as a ListenError carrying the one line. */
export async function listenOrExplain<T>(start: () => Promise<T>, t: ListenTarget): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (isListenFailure(err)) throw new ListenError(listenFailureLine(err, t), errno(err).code, { cause: err });
    throw err;
  }
}
