/** A `reachy-console` subcommand. Each subsystem owns one in its folder (`<subsystem>/command.ts`). */
export interface CliCommand {
  /** One line for the overview help. */
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Runs the command; resolves to the process exit code. Long-running commands resolve on shutdown. */
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad flags; the CLI prints the message (naming the flag and allowed values) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
