/**
 * Infra registration (docs/PROTOCOL.md): `registerDevice` to `device-connect.<t>.registry`,
 * reply must carry a UUID `device_registration_id`; on failure retry forever with backoff 1→30 s plus jitter.
 * A new `register()` call (e.g. after a reconnect) supersedes the running loop.
 */
import type { MeshConnection } from './connection';
import { bytesToString } from './connection';
import { errorMessage, isPlainObject } from './rpc';
import { subjects } from './subjects';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RegistrarOptions {
  timeoutMs: number;
  /** Random delay 0..jitterMs before the first attempt (registration herd, reference PR #38). */
  jitterMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

export interface RegistrarEvents {
  registered(registrationId: string): void;
  failed(reason: string, retryInMs: number): void;
}

export class Registrar {
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  registrationId: string | null = null;

  constructor(
    private readonly conn: MeshConnection,
    private readonly tenant: string,
    private readonly deviceId: string,
    private readonly params: () => unknown,
    private readonly opts: RegistrarOptions,
    private readonly events: RegistrarEvents,
  ) {}

  /** Starts (or restarts) the registration loop; resolves after the first attempt's outcome. */
  register(initialJitter: boolean): Promise<boolean> {
    const gen = ++this.generation;
    this.cancelWait();
    let firstDone: (ok: boolean) => void = () => {};
    const first = new Promise<boolean>((r) => (firstDone = r));
    void this.loop(gen, initialJitter, firstDone);
    return first;
  }

  stop(): void {
    this.generation++;
    this.cancelWait();
  }

  private cancelWait(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake = null;
        resolve();
      }, ms);
      this.timer.unref?.();
    });
  }

  private async loop(gen: number, initialJitter: boolean, firstDone: (ok: boolean) => void): Promise<void> {
    let reported = false;
    const report = (ok: boolean): void => {
      if (!reported) {
        reported = true;
        firstDone(ok);
      }
    };
    try {
      if (initialJitter && this.opts.jitterMs > 0) await this.sleep(Math.random() * this.opts.jitterMs);
      let backoff = this.opts.backoffMinMs;
      while (gen === this.generation) {
        let failure: string;
        try {
          const id = await this.attempt();
          if (gen !== this.generation) return;
          this.registrationId = id;
          this.events.registered(id);
          report(true);
          return;
        } catch (err) {
          failure = errorMessage(err);
        }
        if (gen !== this.generation) return;
        const delay = backoff + Math.random() * Math.min(1000, backoff);
        this.events.failed(failure, delay);
        report(false);
        await this.sleep(delay);
        backoff = Math.min(this.opts.backoffMaxMs, backoff * 2);
      }
    } finally {
      report(false);
    }
  }

  private async attempt(): Promise<string> {
    const req = JSON.stringify({
      jsonrpc: '2.0',
      id: `${this.deviceId}-${Date.now()}`,
      method: 'registerDevice',
      params: this.params(),
    });
    const data = await this.conn.request(subjects.registry(this.tenant), req, this.opts.timeoutMs);
    let reply: unknown;
    try {
      reply = JSON.parse(bytesToString(data));
    } catch {
      throw new Error('registry reply is not JSON');
    }
    if (!isPlainObject(reply)) throw new Error('registry reply is not a JSON object');
    if (isPlainObject(reply.error)) {
      throw new Error(`registry refused registration (${String(reply.error.code)}): ${String(reply.error.message)}`);
    }
    const result = reply.result;
    const regId = isPlainObject(result) ? result.device_registration_id : undefined;
    if (typeof regId !== 'string' || !UUID_PATTERN.test(regId)) {
      throw new Error(`registry reply has no valid UUID device_registration_id (got ${JSON.stringify(regId)})`);
    }
    return regId;
  }
}
