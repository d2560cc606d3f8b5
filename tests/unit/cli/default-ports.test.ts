/**
 * Default ports do not clash: the README's flow (console open, demo policy server started with its default, then
 * `run examples/robot.yaml`) reaches the policy server, not the console.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONSOLE_PORT, DEFAULT_POLICY_SERVER_PORT, DEFAULT_SIM_PORT, DEFAULT_FOXGLOVE_PORT } from '../../../src/shared/ports';
import { command as policyServer } from '../../../src/main/app/commands/policy-server';
import { command as sim } from '../../../src/main/app/commands/sim';
import { command as serve } from '../../../src/main/app/commands/serve';
import { command as foxglove } from '../../../src/main/app/commands/foxglove';

const root = join(__dirname, '..', '..', '..');

describe('default ports', () => {
  it('are distinct, and each command documents its own', () => {
    expect(new Set([DEFAULT_CONSOLE_PORT, DEFAULT_POLICY_SERVER_PORT, DEFAULT_SIM_PORT, DEFAULT_FOXGLOVE_PORT]).size).toBe(4);
    expect(foxglove.help).toContain(`default ${DEFAULT_FOXGLOVE_PORT}`);
    expect(serve.help).toContain(`default ${DEFAULT_CONSOLE_PORT}`);
    expect(policyServer.help).toContain(`default ${DEFAULT_POLICY_SERVER_PORT}`);
    expect(sim.help).toContain(`default ${DEFAULT_SIM_PORT}`);
  });

  it("examples/robot.yaml points at the demo policy server's default port, never the console's", () => {
    const text = readFileSync(join(root, 'examples', 'robot.yaml'), 'utf8');
    const cfg = parse(text) as { target: { url: string } };
    expect(new URL(cfg.target.url).port).toBe(String(DEFAULT_POLICY_SERVER_PORT));
    // The commented alternatives and the start hint too.
    const ports = [...text.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(4);
    expect(ports.every((p) => p === DEFAULT_POLICY_SERVER_PORT)).toBe(true);
  });

  it("the README's policy-server flow uses the default port, which robot.yaml targets", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/policy-server --demo --port 8765/);
    expect(readme).toContain(`ws://127.0.0.1:${DEFAULT_POLICY_SERVER_PORT}/`);
  });
});
