import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import { ConfigError, prepareFromConfig, runFromConfig, startDemoPolicyServer, type DemoPolicyServer } from '../../../src/main/runner';

const examples = path.resolve(__dirname, '../../../examples');
let dir: string;
let server: DemoPolicyServer;

beforeAll(async () => {
  setStderrLogging(false);
  dir = mkdtempSync(path.join(tmpdir(), 'runner-config-'));
  server = await startDemoPolicyServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function yamlFile(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

const myRobot = `${path.join(examples, 'my-robot.js')}:MyRobot`;

describe('runner YAML config', () => {
  it('runs a custom connector by module path (a .js path falls back to the .ts beside it) against the demo server', async () => {
    const f = yamlFile(
      'ok.yaml',
      `mode: apply_actions\nmax_steps: 4\ntarget: { kind: websocket, url: "${server.url}" }\nhardware: { kind: "${myRobot}", config: { joints: 3, hz: 200 } }\n`,
    );
    const r = await runFromConfig(f);
    expect(r).toMatchObject({ steps: 4, appliedSteps: 4, safeStops: 0, errors: [] });
    expect(r.metadata.action_dim).toBe(9);
  });

  it('resolves a relative module path from the YAML file folder', async () => {
    writeFileSync(path.join(dir, 'local-robot.mjs'), `export class Bot { async start(){} async getObservation(){return {state:[1]}} async applyAction(){} async safeStop(){} async stop(){} }\n`);
    const f = yamlFile('rel.yaml', `max_steps: 2\ntarget: { kind: http, url: "${server.httpUrl}" }\nhardware: { kind: ./local-robot.mjs:Bot }\n`);
    const r = await runFromConfig(f);
    expect(r).toMatchObject({ steps: 2, appliedSteps: 0 });
  });

  it('reports an unknown kind with its path, before anything starts', async () => {
    const f = yamlFile('kind.yaml', `target: { kind: carrier_pigeon, url: "x" }\nhardware: { kind: reachy_mini }\n`);
    const err = await configError(runFromConfig(f, { mesh: () => { throw new Error('mesh must not be touched'); } }));
    expect(err.path).toBe('target.kind');
    expect(err.message).toMatch(/target\.kind: unknown kind 'carrier_pigeon' \(allowed: websocket, http, openpi/);
  });

  it('reports a missing field and bad types with their paths, all at once', async () => {
    const f = yamlFile(
      'bad.yaml',
      [
        'mode: drive_fast',
        'max_steps: many',
        'target: { kind: websocket, timeout_s: -3 }',
        'hardware: { kind: reachy_mini, config: { hz: "fast" } }',
        '',
      ].join('\n'),
    );
    const err = await configError(runFromConfig(f));
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['mode', 'max_steps']));
    // Kind-specific sections are checked after the top level parses.
    const f2 = yamlFile('bad2.yaml', 'target: { kind: websocket, timeout_s: -3 }\nhardware: { kind: reachy_mini, config: { hz: "fast", colour: red } }\ncameras: { front: { kind: reachy, max_edge: 5 } }\n');
    const err2 = await configError(runFromConfig(f2, { mesh: () => { throw new Error('mesh must not be touched'); } }));
    const p2 = err2.issues.map((i) => i.path);
    expect(p2).toEqual(expect.arrayContaining(['target.url', 'target.timeout_s', 'hardware.config.hz', 'hardware.config', 'cameras.front.max_edge']));
    expect(err2.issues.find((i) => i.path === 'target.url')?.message).toMatch(/missing required field/);
    expect(err2.issues.find((i) => i.path === 'hardware.config')?.message).toMatch(/unknown field\(s\) 'colour'/);
  });

  it('reports a missing section and an unknown top-level field', async () => {
    const err = await configError(prepareFromConfig({ target: { kind: 'http', url: server.httpUrl }, speed: 3 }));
    expect(err.issues).toEqual(
      expect.arrayContaining([
        { path: 'hardware', message: expect.stringMatching(/missing required field/) },
        { path: '', message: expect.stringMatching(/unknown field\(s\) 'speed'/) },
      ]),
    );
  });

  it('reports YAML syntax errors and missing module exports', async () => {
    const f = yamlFile('syntax.yaml', 'target: { kind: websocket\nhardware: [\n');
    expect((await configError(runFromConfig(f))).message).toMatch(/YAML/);
    const f2 = yamlFile('noexport.yaml', `target: { kind: http, url: "${server.httpUrl}" }\nhardware: { kind: "${path.join(examples, 'my-robot.js')}:NotThere" }\n`);
    const e2 = await configError(runFromConfig(f2));
    expect(e2.path).toBe('hardware.kind');
    expect(e2.message).toMatch(/no exported class or function 'NotThere'/);
    const f3 = yamlFile('nofile.yaml', `target: { kind: http, url: "${server.httpUrl}" }\nhardware: { kind: ./nope.js:X }\n`);
    expect((await configError(runFromConfig(f3))).message).toMatch(/hardware\.kind: module \.\/nope\.js not found/);
  });

  it('Reachy kinds without a mesh say how to get one', async () => {
    const err = await configError(prepareFromConfig({ target: { kind: 'http', url: server.httpUrl }, hardware: { kind: 'reachy_mini' } }));
    expect(err.message).toMatch(/hardware\.kind: this kind needs a Device Connect mesh \(run with --sim/);
  });

  it('the shipped examples/robot.yaml is valid', async () => {
    const built = await prepareFromConfig(path.join(examples, 'robot.yaml'), { mesh: () => { throw new Error('not started'); } });
    expect(built.config.mode).toBe('dry_run');
    expect(Object.keys(built.cameras)).toEqual(['front']);
  });
});
