/**
 * Starts a real nats-server (Debian /usr/bin/nats-server) on a free 127.0.0.1 port for a test, and stops it.
 * `restart()` kills it and starts it again on the same port (broker-loss tests).
 *
 *   const nats = await startNatsServer();
 *   ... nats.url ...
 *   afterAll(() => nats.stop());
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** Fixed port; default: a free one. */
  port?: number;
  /** Server max_payload in bytes (default: nats-server's 1 MiB). */
  maxPayload?: number;
  /** Extra nats-server config text (e.g. an authorization block). */
  extraConfig?: string;
  /** nats-server binary (default: NATS_SERVER_BIN or 'nats-server' on PATH). */
  bin?: string;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Kill and start again on the same port. */
  restart(): Promise<void>;
  /** Kill only (restart later with start()). */
  kill(): Promise<void>;
  start(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) p.kill('SIGKILL');
  });
}

/**
 * A port nothing listens on, from a band below the kernel's ephemeral range, split between test workers.
 *
 * Why not `listen(0)`: that hands out a port from the ephemeral range and frees it again before nats-server binds it,
 * and in that window any outgoing TCP connection on the machine may take it as its local port (CI failed once on
 * "bind: address already in use" for a cluster node's monitor port). Ports below the ephemeral range are never given
 * to outgoing connections, and each worker (VITEST_POOL_ID) draws from its own slice, so two workers never race.
 */
export async function freePort(): Promise<number> {
  const band = reservedBand();
  if (band) {
    const [lo, hi] = band;
    const slices = 16;
    const size = Math.floor((hi - lo) / slices);
    const worker = Number(process.env.VITEST_POOL_ID ?? process.pid);
    const base = lo + (Number.isFinite(worker) ? worker % slices : 0) * size;
    if (cursor < 0) cursor = Math.floor(Math.random() * size);
    for (let i = 0; i < 200; i++) {
      const port = base + (cursor++ % size);
      if (await canBind(port)) return port;
    }
  }
  return ephemeralPort();
}

let cursor = -1;

/** [low, high) below the ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range), or null if there is none. */
function reservedBand(): [number, number] | null {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isFinite(low) && low > 12_000 ? [10_000, low] : null;
  } catch {
    return null;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const isBindConflict = (err: unknown): boolean => String(err).includes('address already in use');

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  if (opts.port !== undefined) return startAt(opts.port, opts);
  // A port we chose that turns out taken: choose another rather than fail the test.
  for (let attempt = 0; ; attempt++) {
    try {
      return await startAt(await freePort(), opts, { waitForPort: false });
    } catch (err) {
      if (attempt >= 4 || !isBindConflict(err)) throw err;
    }
  }
}

async function startAt(port: number, opts: NatsServerOptions, first: { waitForPort: boolean } = { waitForPort: true }): Promise<NatsServerHandle> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'nats-test-'));
  const confPath = join(dir, 'nats.conf');
  const conf = [
    `host: "127.0.0.1"`,
    `port: ${port}`,
    opts.maxPayload ? `max_payload: ${opts.maxPayload}` : '',
    opts.extraConfig ?? '',
  ].join('\n');
  writeFileSync(confPath, conf);
  const bin = opts.bin ?? process.env.NATS_SERVER_BIN ?? 'nats-server';
  let proc: ChildProcess | null = null;

  const startOnce = async (): Promise<void> => {
    if (proc) return;
    let stderr = '';
    const child = spawn(bin, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = child;
    live.add(child);
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      if (proc === child) proc = null;
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      exited = true;
      stderr +=
        err.code === 'ENOENT'
          ? `'${bin}' not found: install nats-server (Debian: apt-get install nats-server) or set NATS_SERVER_BIN`
          : String(err);
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`nats-server exited during start (port ${port}): ${stderr.slice(-2000)}`);
      if (stderr.includes('Server is ready') && (await canConnect(port))) return;
      await new Promise((r) => setTimeout(r, 30));
    }
    child.kill('SIGKILL');
    throw new Error(`nats-server did not become ready on port ${port}: ${stderr.slice(-2000)}`);
  };

  const start = async (waitForPort = true): Promise<void> => {
    // After a kill the port can stay busy for a moment; retry instead of failing the test.
    for (let attempt = 0; ; attempt++) {
      try {
        await startOnce();
        return;
      } catch (err) {
        if (!waitForPort || attempt >= 20 || !isBindConflict(err)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };

  const kill = async (): Promise<void> => {
    const child = proc;
    if (!child) return;
    proc = null;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGKILL');
    });
  };

  try {
    await start(first.waitForPort);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start: () => start(),
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface NatsClusterHandle {
  nodes: NatsServerHandle[];
  /** Client URLs of every node, in node order. */
  urls: string[];
  /** Leaf-node URLs of every node (a robot's local nats-server connects here), in node order. */
  leafUrls: string[];
  /** Client connection names on node `i` (from its monitoring endpoint), to find where a client landed. */
  clientNames(i: number): Promise<string[]>;
  /** Index of the node a client with this connection name is on, or -1. */
  nodeOf(name: string): Promise<number>;
  /** Index of the node holding leaf-node connections (the robot's uplink), or -1. */
  leafHub(): Promise<number>;
  /** Resolves once every live node has a route to every other live node. */
  waitForRoutes(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function monitorJson(port: number, path: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A `size`-node nats-server cluster with routes on loopback (full mesh of explicit routes), each node with a
 * monitoring port so a test can see which node a client is connected to.
 */
export async function startNatsCluster(size = 3, opts: Omit<NatsServerOptions, 'port' | 'extraConfig'> = {}): Promise<NatsClusterHandle> {
  // Ports we chose that turn out taken: choose a new set rather than fail the test.
  for (let attempt = 0; ; attempt++) {
    try {
      return await startClusterOnce(size, opts);
    } catch (err) {
      if (attempt >= 4 || !isBindConflict(err)) throw err;
    }
  }
}

async function startClusterOnce(size: number, opts: Omit<NatsServerOptions, 'port' | 'extraConfig'>): Promise<NatsClusterHandle> {
  const ports: { client: number; route: number; http: number; leaf: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), route: await freePort(), http: await freePort(), leaf: await freePort() });
  const nodes: NatsServerHandle[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const routes = ports.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p.route}`);
      const extraConfig = [
        `server_name: "node-${i}"`,
        `http: "127.0.0.1:${ports[i].http}"`,
        'cluster {',
        '  name: "test-cluster"',
        `  listen: "127.0.0.1:${ports[i].route}"`,
        `  routes: [${routes.map((r) => `"${r}"`).join(', ')}]`,
        '}',
        `leafnodes { listen: "127.0.0.1:${ports[i].leaf}" }`,
      ].join('\n');
      nodes.push(await startAt(ports[i].client, { ...opts, extraConfig }, { waitForPort: false }));
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  const alive = async (i: number): Promise<boolean> => (await monitorJson(ports[i].http, '/varz')) !== null;
  const clientNames = async (i: number): Promise<string[]> => {
    const conns = (await monitorJson(ports[i].http, '/connz'))?.connections;
    return Array.isArray(conns) ? conns.map((c) => String((c as { name?: unknown }).name ?? '')) : [];
  };
  const handle: NatsClusterHandle = {
    nodes,
    urls: nodes.map((n) => n.url),
    leafUrls: ports.map((p) => `nats-leaf://127.0.0.1:${p.leaf}`),
    clientNames,
    async nodeOf(name) {
      for (let i = 0; i < size; i++) if ((await clientNames(i)).includes(name)) return i;
      return -1;
    },
    async leafHub() {
      for (let i = 0; i < size; i++) {
        const leafs = (await monitorJson(ports[i].http, '/leafz'))?.leafs;
        if (Array.isArray(leafs) && leafs.length > 0) return i;
      }
      return -1;
    },
    async waitForRoutes(timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const live: number[] = [];
        for (let i = 0; i < size; i++) if (await alive(i)) live.push(i);
        const counts = await Promise.all(live.map(async (i) => Number((await monitorJson(ports[i].http, '/routez'))?.num_routes ?? 0)));
        // Each pair may briefly hold two routes while they dedupe; at least one per peer is what matters.
        if (counts.every((c) => c >= live.length - 1)) return;
        if (Date.now() > end) throw new Error(`nats cluster routes not up within ${timeoutMs} ms (routes per node: ${counts.join(', ')})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  await handle.waitForRoutes();
  return handle;
}

/**
 * A leaf-node nats-server (as on a robot) whose remote lists every cluster node: local clients connect to it, and it
 * keeps its one uplink to the cluster, moving to another node when the one it uses goes away.
 */
export async function startLeafNode(cluster: NatsClusterHandle, opts: Omit<NatsServerOptions, 'port' | 'extraConfig'> = {}): Promise<NatsServerHandle> {
  const extraConfig = [
    'server_name: "robot-leaf"',
    'leafnodes {',
    // Seconds between uplink attempts (an integer in this nats-server version; 1 is the default and the minimum).
    '  reconnect: 1',
    `  remotes: [{ urls: [${cluster.leafUrls.map((u) => `"${u}"`).join(', ')}] }]`,
    '}',
  ].join('\n');
  return startNatsServer({ ...opts, extraConfig });
}
