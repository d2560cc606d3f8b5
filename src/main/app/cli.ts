/**
 * `reachy-console` command line. Never imports electron: every subcommand runs in plain Node.
 */
import { errorMessage } from '../../shared/errors';
import type { CliCommand } from './command';
import { UsageError } from './command';
import { ListenError } from '../listen-error';

type Loader = () => Promise<{ command: CliCommand }>;

// Lazy so that `reachy-console sim` does not load React, sharp or the MCP SDK.
const COMMANDS: Record<string, Loader> = {
  desktop: () => import('./commands/desktop'),
  serve: () => import('./commands/serve'),
  driver: () => import('./commands/driver'),
  sim: () => import('./commands/sim'),
  mcp: () => import('./commands/mcp'),
  panorama: () => import('./commands/panorama'),
  run: () => import('./commands/run'),
  'policy-server': () => import('./commands/policy-server'),
  app: () => import('./commands/app'),
  doctor: () => import('./commands/doctor'),
  record: () => import('./commands/record'),
  foxglove: () => import('./commands/foxglove'),
};

async function overview(): Promise<string> {
  const lines = ['Usage: reachy-console <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(14)} ${command.summary}`);
  }
  lines.push('', 'With no command, opens the console (desktop window, or browser mode without Electron).');
  lines.push('Run `reachy-console <command> --help` for the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write((await overview()) + '\n');
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'desktop' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`reachy-console: unknown command '${name}'. Allowed: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  const { command } = await load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(command.help.trimEnd() + '\n');
    return 0;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`reachy-console ${name}: ${errorMessage(err)}\n`);
      return 2;
    }
    if (err instanceof ListenError) {
      process.stderr.write(`reachy-console ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * Ends the process with `code` once a command has returned. Its own shutdown has run by then, so a handle a library
 * left open (a worker thread, a WebRTC session's UDP socket) must not keep a stopped console alive: exit anyway after
 * a short grace period (the timer is unref'd, so a clean process exits at once).
 */
export function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
}

const isEntry = (() => {
  const entry = process.argv[1] ?? '';
  return /cli\.(ts|js|mjs)$/.test(entry);
})();

if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => finish(code),
    (err: unknown) => {
      process.stderr.write(`reachy-console: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
