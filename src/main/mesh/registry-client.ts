/**
 * Infra discovery (docs/PROTOCOL.md, `edge/registry_client.py`): `discovery/listDevices` paged with
 * `{offset,limit}` following `next_offset` (an error on a non-advancing cursor), and `discovery/getDevice`.
 * Requests are retried on timeout only (3 attempts, 1/2/4 s backoff), as the reference client does.
 */
import type { DeviceInfo, JsonObject } from '../../shared/wire';
import { envNumber } from './config';
import { bytesToString, type MeshConnection } from './connection';
import { flattenDevice, matchesFilter, type DeviceFilter } from './device-info';
import { IdSource, isPlainObject } from './rpc';
import { subjects } from './subjects';
import { MeshError } from './types';

/** listDevices pages requested at once ahead of the cursor (see listDevices). */
const PAGES_IN_FLIGHT = 4;

export interface RegistryClientOptions {
  timeoutMs?: number;
  pageSize?: number;
  attempts?: number;
}

export class RegistryClient {
  private readonly ids = new IdSource('rpc');
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly attempts: number;

  constructor(
    private readonly conn: MeshConnection,
    private readonly tenant: string,
    opts: RegistryClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.pageSize = Math.max(1, Math.floor(opts.pageSize ?? envNumber('DEVICE_CONNECT_LIST_PAGE_SIZE', 100)));
    this.attempts = opts.attempts ?? 3;
  }

  private async rpc(method: string, params: JsonObject): Promise<unknown> {
    const subject = subjects.discovery(this.tenant);
    let lastErr: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
      const req = JSON.stringify({ jsonrpc: '2.0', id: this.ids.next(), method, params });
      let data: Uint8Array;
      try {
        data = await this.conn.request(subject, req, this.timeoutMs);
      } catch (err) {
        lastErr = err;
        if (err instanceof MeshError && err.code === 'timeout') continue;
        throw err;
      }
      let reply: unknown;
      try {
        reply = JSON.parse(bytesToString(data));
      } catch {
        throw new MeshError('rpc_error', `registry reply to ${method} is not JSON`, { subject });
      }
      if (!isPlainObject(reply)) throw new MeshError('rpc_error', `registry reply to ${method} is not an object`, { subject });
      if (isPlainObject(reply.error)) {
        const code = typeof reply.error.code === 'number' ? reply.error.code : undefined;
        throw new MeshError('rpc_error', String(reply.error.message ?? 'registry error'), { subject, rpcCode: code });
      }
      return reply.result;
    }
    throw lastErr;
  }

  /** One `discovery/listDevices` page, validated. */
  private async page(offset: number, filter: DeviceFilter | undefined): Promise<{ devices: unknown[]; next: unknown; total: unknown }> {
    const params: JsonObject = { offset, limit: this.pageSize };
    if (filter?.deviceType) params.device_type = filter.deviceType;
    if (filter?.location) params.location = filter.location;
    const result = await this.rpc('discovery/listDevices', params);
    if (!isPlainObject(result) || !Array.isArray(result.devices)) {
      throw new MeshError('rpc_error', 'registry listDevices reply has no devices list', {
        subject: subjects.discovery(this.tenant),
      });
    }
    return { devices: result.devices, next: result.next_offset, total: result.total_matched };
  }

  /**
   * Every device, following `next_offset`. When the registry says how many match (`total_matched`), the pages
   * ahead of the cursor are requested a few at a time instead of one round trip after another: a fleet of
   * thousands is tens of pages. The cursor still decides: a page the registry shortened (a large record) leaves a
   * gap that is fetched where `next_offset` points, and a prefetched page the cursor never reaches is dropped.
   */
  async listDevices(filter?: DeviceFilter): Promise<DeviceInfo[]> {
    const out: DeviceInfo[] = [];
    const now = Date.now();
    const ahead = new Map<number, Promise<Awaited<ReturnType<RegistryClient['page']>>>>();
    const fetchAhead = (offset: number): Promise<Awaited<ReturnType<RegistryClient['page']>>> => {
      const p = this.page(offset, filter);
      // Awaited later if the cursor gets there; a page it never reaches must not become an unhandled rejection.
      p.catch(() => undefined);
      return p;
    };
    let offset = 0;
    let page = await this.page(0, filter);
    for (;;) {
      for (const raw of page.devices) {
        const info = flattenDevice(raw, 'infra', now);
        if (info && matchesFilter(info, filter)) out.push(info);
      }
      const next = page.next;
      if (next === null || next === undefined) break;
      if (typeof next !== 'number' || next <= offset) {
        throw new MeshError('rpc_error', `registry listDevices cursor did not advance (offset ${offset} → ${String(next)})`, {
          subject: subjects.discovery(this.tenant),
        });
      }
      offset = next;
      const total = page.total;
      if (typeof total === 'number' && Number.isFinite(total)) {
        for (const k of ahead.keys()) if (k < offset) ahead.delete(k);
        for (let o = offset; o < total && ahead.size < PAGES_IN_FLIGHT; o += this.pageSize) if (!ahead.has(o)) ahead.set(o, fetchAhead(o));
      }
      const pending = ahead.get(offset);
      ahead.delete(offset);
      page = await (pending ?? this.page(offset, filter));
    }
    return out;
  }

  async getDevice(deviceId: string): Promise<DeviceInfo | null> {
    const result = await this.rpc('discovery/getDevice', { device_id: deviceId });
    if (!isPlainObject(result)) return null;
    return flattenDevice(result.device, 'infra');
  }
}
