/**
 * The start of an agent's session: from spawning `reachy-console mcp --sim` (as Claude does) to the first
 * successful tool call (`describe_fleet` listing the robot), and to the first successful call on the robot
 * (`invoke_device get_status`, which waits for the robot's wake-up). A few cold starts; medians and the worst.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { median, round, type BenchResult } from './harness';

const ROOT = new URL('../../', import.meta.url).pathname;
const RUNS = 3;
const TARGET_S = 2.5;

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

async function oneStart(): Promise<{ firstCallS: number; firstInvokeS: number }> {
  const t0 = performance.now();
  const client = new Client({ name: 'bench-startup', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['bin/reachy-console.mjs', 'mcp', '--sim'],
      cwd: ROOT,
      stderr: 'ignore',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REACHY_MINI_DRIVER_LOG_LEVEL: 'warn' },
    }),
  );
  try {
    let firstCallS = NaN;
    for (let i = 0; i < 200 && Number.isNaN(firstCallS); i++) {
      const r = (await client.callTool({ name: 'describe_fleet', arguments: {} })) as Result;
      if (!r.isError && (JSON.parse(r.content[0].text ?? '{}') as { total_devices?: number }).total_devices === 1) firstCallS = (performance.now() - t0) / 1000;
    }
    const r = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: 'get_status' } })) as Result;
    if (r.isError) throw new Error(`get_status failed: ${r.content[0].text ?? ''}`);
    return { firstCallS, firstInvokeS: (performance.now() - t0) / 1000 };
  } finally {
    await client.close();
  }
}

export async function mcpSimStartup(): Promise<BenchResult> {
  const runs: Array<{ firstCallS: number; firstInvokeS: number }> = [];
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
      runs: RUNS,
    },
    target: `first tool call ≤ ${TARGET_S} s`,
    pass: median(first) <= TARGET_S,
  };
}
