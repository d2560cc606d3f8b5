/**
 * Supervision policy for agents driving robots through the MCP bridge: per function class (from the labels a
 * device declares, never from function names) `allow`, `ask` (a human decides) or `deny`, per agent and per robot,
 * plus guard rails tighter than the robot's own limits. Read from flags (`--motion ask`) and a YAML file
 * (`--policy policy.yaml`), validated with zod so a bad file names the field. See README "Letting Claude drive,
 * safely" for the file format.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Labels } from '../../shared/wire';
import { DEVICE_ID_PATTERN } from '../../shared/wire';
import { errorMessage } from '../../shared/errors';

/**
 * What a function does, from its labels: `stop` (label stop=true), `media` (group=media: camera, microphone,
 * speaker), `observe` (access=read), `motion` (access=motion), `control` (access=control: leases, interlock reset).
 * A function without labels, or one discovery does not know, is treated as `motion`: it may act on the robot.
 */
export type FunctionClass = 'observe' | 'motion' | 'media' | 'control' | 'stop';
export const POLICY_CLASSES = ['observe', 'motion', 'media', 'control'] as const;
export type PolicyClass = (typeof POLICY_CLASSES)[number];
export type PolicyDecision = 'allow' | 'ask' | 'deny';

function labelValue(labels: Labels | null | undefined, key: string): string | undefined {
  const v = labels?.[key];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

export function classOf(labels: Labels | null | undefined): FunctionClass {
  if (labelValue(labels, 'stop') === 'true' || labelValue(labels, 'access') === 'stop') return 'stop';
  if (labelValue(labels, 'group') === 'media') return 'media';
  const access = labelValue(labels, 'access');
  if (access === 'read') return 'observe';
  if (access === 'control') return 'control';
  return 'motion';
}

const decision = z.enum(['allow', 'ask', 'deny'], { error: (iss) => `must be allow, ask or deny (got ${JSON.stringify(iss.input)})` });
const name = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'names are 1-64 letters, digits, _ . @ -');
const fnName = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'function names are letters, digits, _ and -');
const deviceId = z.string().regex(DEVICE_ID_PATTERN, `device ids must match ${DEVICE_ID_PATTERN}`);

const range = z
  .tuple([z.number().finite(), z.number().finite()], { error: 'must be [min, max], two numbers' })
  .refine(([lo, hi]) => lo <= hi, 'min must not be above max');

export const guardSchema = z
  .object({
    /**
     * Per function: `deny` (e.g. no body moves) or the allowed range of each numeric argument, e.g.
     * `look_at_world: { yaw: [-30, 30] }`. A call with an argument outside its range is refused before the mesh.
     */
    envelope: z.record(fnName, z.union([z.literal('deny'), z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'argument names are letters, digits and _'), range)])).optional(),
    /** At most `calls` motion calls in any `per_s` seconds. */
    motion_rate: z
      .object({ calls: z.number().int().min(1).max(10_000), per_s: z.number().positive().max(86_400) })
      .strict()
      .optional(),
    /** Motion calls allowed per bridge run: a stdio bridge's process, or one start of the console's bridge. */
    motion_budget: z.number().int().min(0).max(1_000_000).optional(),
    /** false: media functions (camera, microphone, speaker) are refused. */
    media: z.boolean().optional(),
  })
  .strict();
export type GuardRails = z.infer<typeof guardSchema>;

const classRules = {
  observe: decision.optional(),
  motion: decision.optional(),
  media: decision.optional(),
  control: decision.optional(),
  guard: guardSchema.optional(),
};
const ruleSet = z.object(classRules).strict();
export type RuleSet = z.infer<typeof ruleSet>;

export const policyFileSchema = z
  .object({
    version: z.literal(1, { error: 'only version 1 exists' }).default(1),
    /** How long an asked human has before the call is denied. */
    ask_timeout_s: z.number().min(1).max(3600).default(60),
    default: ruleSet.optional(),
    robots: z.record(deviceId, ruleSet).optional(),
    agents: z.record(name, z.object({ ...classRules, robots: z.record(deviceId, ruleSet).optional() }).strict()).optional(),
  })
  .strict();
export type PolicyFile = z.infer<typeof policyFileSchema>;

/** Where a class's decision came from, for messages. */
export interface ResolvedPolicy {
  decision: PolicyDecision;
  source: string;
}

export class PolicyError extends Error {}

/** Formats the first zod issue as `field.path: message`. */
function issueText(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}

export function parsePolicy(text: string, where = 'policy'): PolicyFile {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new PolicyError(`${where}: not valid YAML: ${errorMessage(err)}`);
  }
  const parsed = policyFileSchema.safeParse(raw);
  if (!parsed.success) throw new PolicyError(`${where}: ${issueText(parsed.error)}`);
  return parsed.data;
}

export function loadPolicyFile(path: string): PolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyError(`--policy ${path}: ${errorMessage(err)}`);
  }
  return parsePolicy(text, path);
}

/** The defaults when nothing is said: a stdio bridge keeps the unsupervised behaviour; the console asks for motion. */
export const STDIO_DEFAULTS: Record<PolicyClass, PolicyDecision> = { observe: 'allow', motion: 'allow', media: 'allow', control: 'allow' };
export const CONSOLE_DEFAULTS: Record<PolicyClass, PolicyDecision> = { observe: 'allow', motion: 'ask', media: 'allow', control: 'ask' };

/**
 * A policy in force: the file, the flags (which override the file's `default` section) and the defaults. Agent
 * and robot sections refine it; the console may set per-agent overrides at run time.
 */
export class Policy {
  private readonly overrides = new Map<string, Partial<Record<PolicyClass, PolicyDecision>>>();

  constructor(
    readonly file: PolicyFile,
    private readonly base: Record<PolicyClass, PolicyDecision>,
    private readonly flags: Partial<Record<PolicyClass, PolicyDecision>> = {},
  ) {}

  get askTimeoutMs(): number {
    return this.file.ask_timeout_s * 1000;
  }

  resolve(agent: string, robot: string, cls: PolicyClass): ResolvedPolicy {
    const o = this.overrides.get(agent)?.[cls];
    if (o) return { decision: o, source: `the console's setting for agent ${agent}` };
    const a = this.file.agents?.[agent];
    const ar = a?.robots?.[robot]?.[cls];
    if (ar) return { decision: ar, source: `policy agents.${agent}.robots.${robot}.${cls}` };
    if (a?.[cls]) return { decision: a[cls], source: `policy agents.${agent}.${cls}` };
    const r = this.file.robots?.[robot]?.[cls];
    if (r) return { decision: r, source: `policy robots.${robot}.${cls}` };
    const f = this.flags[cls];
    if (f) return { decision: f, source: `--${cls} ${f}` };
    const d = this.file.default?.[cls];
    if (d) return { decision: d, source: `policy default.${cls}` };
    return { decision: this.base[cls], source: `the default for ${cls}` };
  }

  /** Guard rails for this agent on this robot: default < robot < agent < agent-on-robot (later keys win). */
  guard(agent: string, robot: string): GuardRails {
    const a = this.file.agents?.[agent];
    return {
      ...(this.file.default?.guard ?? {}),
      ...(this.file.robots?.[robot]?.guard ?? {}),
      ...(a?.guard ?? {}),
      ...(a?.robots?.[robot]?.guard ?? {}),
    };
  }

  setOverride(agent: string, cls: PolicyClass, d: PolicyDecision | null): void {
    const cur = { ...(this.overrides.get(agent) ?? {}) };
    if (d) cur[cls] = d;
    else delete cur[cls];
    this.overrides.set(agent, cur);
  }

  /** The decisions that apply to an agent on a robot, for the console. */
  summary(agent: string, robot: string): Record<PolicyClass, PolicyDecision> {
    return Object.fromEntries(POLICY_CLASSES.map((c) => [c, this.resolve(agent, robot, c).decision])) as Record<PolicyClass, PolicyDecision>;
  }
}

/** `--motion ask --media deny --policy file.yaml` → a Policy; throws PolicyError naming the flag. */
export function policyFromFlags(
  flags: Partial<Record<PolicyClass, string | undefined>> & { policy?: string },
  base: Record<PolicyClass, PolicyDecision> = STDIO_DEFAULTS,
): Policy {
  const set: Partial<Record<PolicyClass, PolicyDecision>> = {};
  for (const cls of POLICY_CLASSES) {
    const v = flags[cls];
    if (v === undefined) continue;
    const p = decision.safeParse(v);
    if (!p.success) throw new PolicyError(`--${cls}: must be allow, ask or deny (got ${JSON.stringify(v)})`);
    set[cls] = p.data;
  }
  const file = flags.policy ? loadPolicyFile(flags.policy) : policyFileSchema.parse({});
  return new Policy(file, base, set);
}
