/**
 * The start of an agent's session: from spawning `reachy-console mcp --sim` (as Claude does) to the first
 * successful tool call (`describe_fleet` listing the robot), and to the first successful call on the robot
 * (`invoke_device get_status`, which waits for the robot's wake-up). A few cold starts; medians and the worst.
 * Wall time grows with the machine's load; the bridge's own CPU time until its first answer (Linux /proc) does not,
 * so both are reported.
 */
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { median, round, type BenchResult } from './harness';

const ROOT = new URL('../../', import.meta.url).pathname;
const RUNS = 3;
const TARGET_S = 2.5;

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

/** user + system CPU seconds of a process so far (Linux; NaN elsewhere). */
function cpuSeconds(pid: number | null): number {
  if (pid === null) return NaN;
  try {
    // Fields after the command name "(…)": state is field 3, utime 14, stime 15 (clock ticks, 100 per second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function oneStart(): Promise<{ firstCallS: number; firstInvokeS: number; cpuS: number }> {
  const t0 = performance.now();
  const client = new Client({ name: 'bench-startup', version: '1' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['bin/reachy-console.mjs', 'mcp', '--sim'],
    cwd: ROOT,
    stderr: 'ignore',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REACHY_MINI_DRIVER_LOG_LEVEL: 'warn' },
  });
  await client.connect(transport);
  try {
    let firstCallS = NaN;
    let cpuS = NaN;
    for (let i = 0; i < 200 && Number.isNaN(firstCallS); i++) {
      const r = (await client.callTool({ name: 'describe_fleet', arguments: {} })) as Result;
      if (!r.isError && (JSON.parse(r.content[0].text ?? '{}') as { total_devices?: number }).total_devices === 1) {
        firstCallS = (performance.now() - t0) / 1000;
        cpuS = cpuSeconds(transport.pid);
      }
    }
    const r = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: 'get_status' } })) as Result;
    if (r.isError) throw new Error(`get_status failed: ${r.content[0].text ?? ''}`);
    return { firstCallS, firstInvokeS: (performance.now() - t0) / 1000, cpuS };
  } finally {
    await client.close();
  }
}

export async function mcpSimStartup(): Promise<BenchResult> {
  const runs: Array<{ firstCallS: number; firstInvokeS: number; cpuS: number }> = [];
  for (let i = 0; i < RUNS; i++) runs.push(await oneStart());
  const first = runs.map((r) => r.firstCallS);
  const invoke = runs.map((r) => r.firstInvokeS);
  return {
    id: 'B8-start',
    name: '`mcp --sim` spawn to first successful tool call (describe_fleet) and first robot call (get_status)',
    metrics: {
      first_call_p50_s: round(median(first), 2),
      first_call_max_s: round(Math.max(...first), 2),
      first_robot_call_p50_s: round(median(invoke), 2),
      bridge_cpu_to_first_call_p50_s: round(median(runs.map((r) => r.cpuS)), 2),
      runs: RUNS,
    },
    target: `first tool call ≤ ${TARGET_S} s`,
    pass: median(first) <= TARGET_S,
  };
}
