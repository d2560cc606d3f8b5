/** A `reachy-console` subcommand. All of them live in src/main/app/commands and are listed in src/main/app/cli.ts. */
export interface CliCommand {
  /** One line for the overview help. */
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Runs the command; resolves to the process exit code. Long-running commands resolve on shutdown. */
  run(argv: string[]): Promise<number>;
}

export { UsageError } from '../errors';
