import type { CliCommand } from '../command';

// Placeholder until the web subsystem lands; it answers "not available" rather than pretending to work.
export const command: CliCommand = {
  summary: '(not available yet in this build)',
  help: 'This command is not available yet in this build.',
  async run(): Promise<number> {
    process.stderr.write('reachy-console: this command is not available yet in this build\n');
    return 1;
  },
};
