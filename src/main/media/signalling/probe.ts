/**
 * Asks a webrtcsink signalling server which producers it lists (what `get_media_stream_access(probe_signaling)`
 * reports): connect → welcome → setPeerStatus listener → list. Never throws; failures are in the result.
 */
import WebSocket from 'ws';
import { outgoingMessage } from './protocol';

export interface ProbeResult {
  ok: boolean;
  url: string;
  producers: Array<{ id: string; name: string | null }>;
  producer_found: boolean;
  error?: string;
  elapsed_ms: number;
}

export function probeSignalling(url: string, producer: string, timeoutMs = 3000): Promise<ProbeResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let done = false;
    let ws: WebSocket;
    const finish = (r: Omit<ProbeResult, 'url' | 'elapsed_ms'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        ws.close();
      } catch {
        /* already closed */
      }
      resolve({ ...r, url, elapsed_ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish({ ok: false, producers: [], producer_found: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    try {
      ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    } catch (err) {
      clearTimeout(timer);
      resolve({ ok: false, url, producers: [], producer_found: false, error: String(err), elapsed_ms: 0 });
      return;
    }
    ws.on('error', (err) => finish({ ok: false, producers: [], producer_found: false, error: err.message }));
    ws.on('close', () => finish({ ok: false, producers: [], producer_found: false, error: 'connection closed before a list answer' }));
    ws.on('message', (raw) => {
      let msg;
      try {
        msg = outgoingMessage.safeParse(JSON.parse(String(raw)));
      } catch {
        return;
      }
      if (!msg.success) return;
      const m = msg.data;
      if (m.type === 'welcome') {
        ws.send(JSON.stringify({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'reachy-console-probe' } }));
        ws.send(JSON.stringify({ type: 'list' }));
      } else if (m.type === 'list') {
        const producers = m.producers.map((p) => ({ id: p.id, name: typeof p.meta?.name === 'string' ? p.meta.name : null }));
        finish({ ok: true, producers, producer_found: producers.some((p) => p.name === producer) });
      } else if (m.type === 'error') {
        finish({ ok: false, producers: [], producer_found: false, error: m.details });
      }
    });
  });
}
