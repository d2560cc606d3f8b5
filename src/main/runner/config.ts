/**
 * The runner's YAML/object config (Reflex's connect-config shape): session knobs at the top level, `target`
 * (transport), `hardware` ({kind, config}) and `cameras` (name → {kind, ...}). Every problem is reported with the
 * path of the bad field (e.g. `target.timeout_s`) before anything is started.
 */
import { errorMessage } from '../../shared/errors';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';

const section = z.object({ kind: z.string().min(1, 'must not be empty') }).catchall(z.unknown());

export const runnerConfigSchema = z
  .object({
    mode: z.enum(['dry_run', 'apply_actions']).default('dry_run'),
    max_steps: z.number().int().min(0).default(0),
    control_period_s: z.number().min(0).max(3600).default(0),
    stop_on_error: z.boolean().default(true),
    pipeline_inference: z.boolean().default(true),
    heartbeat_interval_s: z.number().min(0).max(3600).default(10),
    max_chunk_age_s: z.number().min(0).max(3600).default(2),
    infer_timeout_s: z.number().min(0.01).max(3600).optional(),
    prompt: z.string().max(10_000).optional(),
    target: section,
    hardware: z.object({ kind: z.string().min(1, 'must not be empty'), config: z.record(z.string(), z.unknown()).default({}) }).strict(),
    cameras: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'camera names: letters, digits, _ and - (1-64)'), section).default({}),
  })
  .strict();
export type RunnerConfig = z.output<typeof runnerConfigSchema>;
export type RunnerConfigInput = z.input<typeof runnerConfigSchema>;

export interface Issue {
  path: string;
  message: string;
}

/** zod issues → "a.b.c" paths with messages a person can act on. */
export function zodIssues(err: z.ZodError, prefix: string[] = []): Issue[] {
  return err.issues.map((i) => {
    const p = [...prefix, ...i.path.map(String)].join('.');
    let message = i.message;
    if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = `missing required field (${i.message.replace(/^Invalid input: /, '')})`;
    if (i.code === 'unrecognized_keys') message = `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    return { path: p, message };
  });
}

/** Parses the top level (kind-specific sections are checked by the factories). */
export function parseRunnerConfig(raw: unknown): RunnerConfig {
  const r = runnerConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(zodIssues(r.error));
  return r.data;
}

/** Reads a YAML file; syntax errors name the line. Returns the raw object and the folder module paths resolve from. */
export function readConfigFile(file: string): { raw: unknown; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}` }]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => ({ path: '', message: `${file}: YAML ${e.message.split('\n')[0]}` })));
  }
  return { raw: doc.toJS() as unknown, baseDir: path.dirname(path.resolve(file)) };
}
