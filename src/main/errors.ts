/** Thrown for bad flags or settings; the CLI prints the message (naming the flag and allowed values) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
