/**
 * The operator stays in the loop when an agent drives a robot: every invoke an agent makes through the bridge
 * passes this gate before anything reaches the mesh. In order:
 * 1. a function labelled as a stop always goes ahead (stopping must never wait for anyone);
 * 2. a revoked agent's motion and control calls are refused with the operator's reason;
 * 3. the agent's guard rails (media off, motion envelope, motion rate, motion budget) refuse a call outside them,
 *    naming the rule;
 * 4. the policy for the call's class (from labels): allow, deny, or ask a human: the console when one is attached,
 *    else the person at the MCP client through elicitation, else a denial that says how to allow it.
 * Each call lands in the agent timeline with its decision, its result and any image the agent saw.
 */
import type { MeshClient } from '../mesh';
import type { JsonObject, Labels } from '../../shared/wire';
import type { AgentInfo, AgentPending, AgentTimelineEntry, AgentsPush } from '../../shared/console-api/agents';
import type { Logger } from '../log';
import { classOf } from './policy';
import type { FunctionClass, Policy, PolicyClass } from './policy';
import { errorMessage } from '../../shared/errors';

/** Asks the person at the MCP client (form elicitation); resolves true only on an explicit approval. */
export type ElicitFn = (message: string, timeoutMs: number) => Promise<'approved' | 'declined' | 'timeout'>;

/** Who is calling: the agent's name and, when its MCP client supports it, a way to ask its human. */
export interface CallerContext {
  agent: string;
  elicit?: ElicitFn;
}

export interface GateCall {
  deviceId: string;
  fn: string;
  args: JsonObject;
  labels: Labels | null;
  /** False when discovery does not know the function (treated as motion). */
  known: boolean;
  /** Names of the function's declared parameters (null when unknown): `owner` is set to the agent's identity. */
  params: readonly string[] | null;
}

export type GateResult =
  | { ok: true; params: JsonObject; sourceDevice: string; done: (r: { ok: boolean; summary: string; image?: { data: string; mimeType: string } }) => void }
  | { ok: false; error: string };

/** An agent's identity on the mesh: its bridge's source device and its lease owner. */
export function agentIdentity(agent: string): string {
  return `agent:${agent}`.slice(0, 64);
}

/** An MCP client's name as an agent name (letters, digits, _ . @ -). */
export function agentName(raw: string | undefined): string {
  const s = (raw ?? '').replace(/[^A-Za-z0-9_.@-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return s || 'agent';
}

interface AgentState {
  name: string;
  revoked: { reason: string; by: string; at: number } | null;
  motionUntil: number;
  motionTimes: number[];
  motionCalls: number;
  robots: Set<string>;
  lastSeen: number;
  calls: number;
}

interface Pending extends AgentPending {
  settle: (d: { approve: boolean; by: string; reason?: string }) => void;
}

export interface SupervisorOptions {
  policy: Policy;
  logger: Logger;
  mesh: () => MeshClient;
  /** The device's function catalogue, to find its stop and lease-release functions for a revoke. */
  catalogue?: (deviceId: string) => Promise<Array<{ name: string; labels: Labels | null }>>;
  /** The console is attached: ask it (not the MCP client). */
  consoleAttached?: boolean;
  now?: () => number;
}

const TIMELINE_MAX = 500;
const IMAGES_MAX = 40;

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '');
}

/** The numeric arguments of a motion call: what it will move where (angles in the call's own units). */
export function predictedTarget(args: JsonObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(args)) if (typeof v === 'number' && Number.isFinite(v) && k !== 'owner') out[k] = v;
  return out;
}

export function callSummary(agent: string, deviceId: string, fn: string, args: JsonObject): string {
  const t = predictedTarget(args);
  const parts = Object.entries(t).map(([k, v]) => `${k}=${fmtNum(v)}`);
  return `Agent '${agent}' wants to call ${fn} on ${deviceId}${parts.length ? ` (${parts.join(', ')})` : ''}.`;
}

export class Supervisor {
  private readonly agents = new Map<string, AgentState>();
  private readonly pending = new Map<string, Pending>();
  private readonly timeline: AgentTimelineEntry[] = [];
  private readonly listeners = new Set<(p: AgentsPush) => void>();
  private seq = 0;
  private readonly now: () => number;
  consoleAttached: boolean;

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? Date.now;
    this.consoleAttached = opts.consoleAttached ?? false;
  }

  get policy(): Policy {
    return this.opts.policy;
  }

  onPush(cb: (p: AgentsPush) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(p: AgentsPush): void {
    for (const l of this.listeners) {
      try {
        l(p);
      } catch (err) {
        this.opts.logger.warn(`agents push failed: ${errorMessage(err)}`);
      }
    }
  }

  private state(agent: string): AgentState {
    let s = this.agents.get(agent);
    if (!s) {
      s = { name: agent, revoked: null, motionUntil: 0, motionTimes: [], motionCalls: 0, robots: new Set(), lastSeen: this.now(), calls: 0 };
      this.agents.set(agent, s);
    }
    return s;
  }

  private addEntry(e: Omit<AgentTimelineEntry, 'seq'>): AgentTimelineEntry {
    const entry: AgentTimelineEntry = { seq: ++this.seq, ...e };
    this.timeline.push(entry);
    if (this.timeline.length > TIMELINE_MAX) this.timeline.splice(0, this.timeline.length - TIMELINE_MAX);
    // Images are the bulk of the timeline: only the newest keep theirs.
    const withImages = this.timeline.filter((t) => t.image);
    for (const old of withImages.slice(0, Math.max(0, withImages.length - IMAGES_MAX))) delete old.image;
    this.emit({ kind: 'timeline', entry });
    return entry;
  }

  private update(entry: AgentTimelineEntry, patch: Partial<AgentTimelineEntry>): void {
    Object.assign(entry, patch);
    this.emit({ kind: 'timeline', entry });
  }

  async gate(caller: CallerContext, call: GateCall): Promise<GateResult> {
    const agent = caller.agent;
    const st = this.state(agent);
    st.lastSeen = this.now();
    st.calls += 1;
    const cls: FunctionClass = call.known ? classOf(call.labels) : 'motion';
    const id = agentIdentity(agent);
    const entry = this.addEntry({
      ts: this.now(),
      agent,
      device_id: call.deviceId,
      function: call.fn,
      class: cls,
      arguments: call.args,
      decision: 'pending',
    });
    const refuse = (decision: 'denied' | 'refused', error: string, by?: string): GateResult => {
      this.update(entry, { decision, reason: error, ...(by ? { decided_by: by } : {}) });
      this.opts.logger.info(`agent ${agent}: ${call.fn} on ${call.deviceId} ${decision}: ${error}`);
      return { ok: false, error };
    };
    const go = (how: string, by?: string): GateResult => {
      if (cls === 'motion') {
        st.motionTimes.push(this.now());
        st.motionCalls += 1;
        st.robots.add(call.deviceId);
      }
      if (cls === 'control') st.robots.add(call.deviceId);
      this.update(entry, { decision: by ? 'approved' : 'allowed', reason: how, ...(by ? { decided_by: by } : {}) });
      // The agent's identity is the lease owner: an agent cannot act as the operator or another agent.
      const params = call.params?.includes('owner') ? { ...call.args, owner: id } : call.args;
      return {
        ok: true,
        params,
        sourceDevice: id,
        done: (r) => this.update(entry, { result: { ok: r.ok, summary: r.summary }, ...(r.image ? { image: r.image } : {}) }),
      };
    };

    if (cls === 'stop') return go('a stop is always allowed');

    if (st.revoked && (cls === 'motion' || cls === 'control')) {
      return refuse('denied', `denied by the operator: ${st.revoked.reason} (this agent's motion rights were revoked by ${st.revoked.by})`, st.revoked.by);
    }

    const railed = this.guardRefusal(agent, st, cls, call);
    if (railed) return refuse('refused', railed);

    const policyClass: PolicyClass = cls;
    const { decision, source } = this.opts.policy.resolve(agent, call.deviceId, policyClass);
    if (decision === 'allow') return go(`allowed by ${source}`);
    if (decision === 'deny') {
      return refuse('denied', `denied by policy: ${cls} calls are denied for agent ${agent} on ${call.deviceId} (${source})`);
    }
    // ask
    if (cls === 'motion' && st.motionUntil > this.now()) return go(`allowed by the operator's grant until ${new Date(st.motionUntil).toISOString()}`);
    const timeoutMs = this.opts.policy.askTimeoutMs;
    if (this.consoleAttached) {
      this.update(entry, { decision: 'pending', reason: 'waiting for the operator in the console' });
      const d = await this.askConsole(entry, agent, call, cls, timeoutMs);
      if (!d.approve) return refuse('denied', `denied by the operator: ${d.reason ?? 'no reason given'}`, d.by);
      // A revoke while the question was open wins.
      if (st.revoked && (cls === 'motion' || cls === 'control')) {
        return refuse('denied', `denied by the operator: ${st.revoked.reason} (revoked by ${st.revoked.by})`, st.revoked.by);
      }
      // Rails that filled up while the question was open (rate, budget) still hold.
      const late = this.guardRefusal(agent, st, cls, call);
      if (late) return refuse('refused', late);
      return go('approved in the console', d.by);
    }
    if (caller.elicit) {
      this.update(entry, { decision: 'pending', reason: 'waiting for the person at the MCP client' });
      let answer: 'approved' | 'declined' | 'timeout';
      try {
        answer = await caller.elicit(
          `${callSummary(agent, call.deviceId, call.fn, call.args)} This ${cls} call needs your approval (${source}: ask). Allow it?`,
          timeoutMs,
        );
      } catch (err) {
        return refuse('denied', `denied by the operator: the approval request failed (${errorMessage(err)})`);
      }
      if (answer === 'approved') {
        if (st.revoked && (cls === 'motion' || cls === 'control')) {
          return refuse('denied', `denied by the operator: ${st.revoked.reason} (revoked by ${st.revoked.by})`, st.revoked.by);
        }
        const late = this.guardRefusal(agent, st, cls, call);
        return late ? refuse('refused', late) : go('approved at the MCP client', 'the person at the MCP client');
      }
      return refuse(
        'denied',
        answer === 'timeout'
          ? `denied by the operator: no answer within ${fmtNum(timeoutMs / 1000)} s`
          : 'denied by the operator: the person at the MCP client declined this call',
        'the person at the MCP client',
      );
    }
    return refuse(
      'denied',
      `denied by policy: ${cls} calls need a human's approval (${source}: ask), but no console is attached and this MCP ` +
        `client does not support elicitation to ask you. To allow ${cls} calls, start the bridge with --${cls} allow, or set ` +
        `agents.${agent}.${cls}: allow in the --policy file, or use the console-hosted bridge and approve them in the console.`,
    );
  }

  /** The guard rail a call breaks (its refusal sentence naming the rule), or null. */
  private guardRefusal(agent: string, st: AgentState, cls: FunctionClass, call: GateCall): string | null {
    const guard = this.opts.policy.guard(agent, call.deviceId);
    if (cls === 'media' && guard.media === false) {
      return `refused by guard rail guard.media: media (camera, microphone, speaker) is off for agent ${agent}`;
    }
    if (cls === 'motion') {
      const env = guard.envelope?.[call.fn];
      if (env === 'deny') return `refused by guard rail guard.envelope.${call.fn}: ${call.fn} is not allowed for agent ${agent}`;
      if (env) {
        for (const [arg, [lo, hi]] of Object.entries(env)) {
          const v = call.args[arg];
          if (typeof v === 'number' && (v < lo || v > hi)) {
            return `refused by guard rail guard.envelope.${call.fn}.${arg}: ${arg}=${fmtNum(v)} is outside agent ${agent}'s envelope [${fmtNum(lo)}, ${fmtNum(hi)}]`;
          }
        }
      }
      if (guard.motion_rate) {
        const { calls, per_s } = guard.motion_rate;
        const since = this.now() - per_s * 1000;
        st.motionTimes = st.motionTimes.filter((t) => t > since);
        if (st.motionTimes.length >= calls) {
          const wait = (st.motionTimes[0] + per_s * 1000 - this.now()) / 1000;
          return `refused by guard rail guard.motion_rate: at most ${calls} motion calls per ${fmtNum(per_s)} s for agent ${agent}; try again in ${wait.toFixed(1)} s`;
        }
      }
      if (guard.motion_budget !== undefined && st.motionCalls >= guard.motion_budget) {
        return `refused by guard rail guard.motion_budget: agent ${agent} has used its ${guard.motion_budget} motion calls for this session`;
      }
    }
    return null;
  }

  private askConsole(
    entry: AgentTimelineEntry,
    agent: string,
    call: GateCall,
    cls: FunctionClass,
    timeoutMs: number,
  ): Promise<{ approve: boolean; by: string; reason?: string }> {
    return new Promise((resolve) => {
      const id = `ask-${entry.seq}`;
      const timer = setTimeout(
        () => settle({ approve: false, by: 'timeout', reason: `no answer within ${fmtNum(timeoutMs / 1000)} s` }),
        timeoutMs,
      );
      const settle = (d: { approve: boolean; by: string; reason?: string }): void => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        this.emit({ kind: 'resolved', id, approved: d.approve, by: d.by, ...(d.reason ? { reason: d.reason } : {}) });
        resolve(d);
      };
      const p: Pending = {
        id,
        seq: entry.seq,
        ts: this.now(),
        deadline: this.now() + timeoutMs,
        agent,
        device_id: call.deviceId,
        function: call.fn,
        class: cls,
        arguments: call.args,
        target: predictedTarget(call.args),
        summary: callSummary(agent, call.deviceId, call.fn, call.args),
        settle,
      };
      this.pending.set(id, p);
      this.emit({ kind: 'pending', pending: this.publicPending(p) });
    });
  }

  private publicPending(p: Pending): AgentPending {
    const { settle: _settle, ...rest } = p;
    void _settle;
    return rest;
  }

  listPending(): AgentPending[] {
    return [...this.pending.values()].map((p) => this.publicPending(p));
  }

  /** The operator's answer to a pending call; `allowMinutes` also lets this agent's motion through for that long. */
  decide(id: string, d: { approve: boolean; reason?: string; by?: string; allowMinutes?: number }): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    const by = d.by ?? 'the operator';
    if (d.approve && d.allowMinutes) {
      const st = this.state(p.agent);
      st.motionUntil = this.now() + d.allowMinutes * 60_000;
      st.revoked = null;
      // Other pending motion calls of the same agent go through under the grant too.
      for (const other of [...this.pending.values()]) {
        if (other.agent === p.agent && other.class === 'motion' && other.id !== id) other.settle({ approve: true, by });
      }
    }
    p.settle({ approve: d.approve, by, ...(d.reason ? { reason: d.reason } : {}) });
    this.emit({ kind: 'agents', agents: this.listAgents() });
    return true;
  }

  /**
   * Takes an agent's motion rights away at once: its pending calls are denied, motion it started is stopped (the
   * function each robot labels as a stop) and its lease released; its next motion call is refused with the reason.
   */
  async revoke(agent: string, reason: string, by = 'the operator'): Promise<{ stopped: string[]; errors: string[] }> {
    const st = this.state(agent);
    st.revoked = { reason, by, at: this.now() };
    st.motionUntil = 0;
    for (const p of [...this.pending.values()]) if (p.agent === agent) p.settle({ approve: false, by, reason });
    const id = agentIdentity(agent);
    const stopped: string[] = [];
    const errors: string[] = [];
    const mesh = this.opts.mesh();
    await Promise.all(
      [...st.robots].map(async (robot) => {
        const fns = (await this.opts.catalogue?.(robot).catch(() => null)) ?? null;
        const stopFn = fns?.find((f) => classOf(f.labels) === 'stop')?.name;
        try {
          if (!stopFn) throw new Error(`${robot} declares no function labelled as a stop`);
          await mesh.invoke(robot, stopFn, { owner: id, reason: `agent ${agent} revoked: ${reason}` }, { timeoutMs: 3000, sourceDevice: id });
          stopped.push(robot);
        } catch (err) {
          errors.push(`${robot}: ${errorMessage(err)}`);
        }
        // The lease is the agent's: release it so the operator (or another agent) may move the robot at once.
        if (fns?.some((f) => f.name === 'release_lease')) {
          await mesh.invoke(robot, 'release_lease', { owner: id }, { timeoutMs: 3000, sourceDevice: id }).catch((err: unknown) => {
            errors.push(`${robot} release_lease: ${errorMessage(err)}`);
          });
        }
      }),
    );
    this.opts.logger.warn(`agent ${agent} revoked by ${by}: ${reason}${stopped.length ? ` (stopped ${stopped.join(', ')})` : ''}`);
    this.addEntry({ ts: this.now(), agent, device_id: stopped.join(',') || '-', function: '(revoke)', class: 'stop', arguments: { reason }, decision: 'denied', decided_by: by, reason });
    this.emit({ kind: 'agents', agents: this.listAgents() });
    return { stopped, errors };
  }

  restore(agent: string): void {
    const st = this.state(agent);
    st.revoked = null;
    this.emit({ kind: 'agents', agents: this.listAgents() });
  }

  setPolicy(agent: string, cls: PolicyClass, d: 'allow' | 'ask' | 'deny' | null): void {
    this.opts.policy.setOverride(agent, cls, d);
    this.state(agent);
    this.emit({ kind: 'agents', agents: this.listAgents() });
  }

  listAgents(): AgentInfo[] {
    return [...this.agents.values()].map((s) => {
      const robot = [...s.robots][0] ?? '*';
      return {
        name: s.name,
        identity: agentIdentity(s.name),
        revoked: s.revoked,
        motion_allowed_until: s.motionUntil > this.now() ? s.motionUntil : null,
        motion_calls: s.motionCalls,
        calls: s.calls,
        robots: [...s.robots],
        last_seen: s.lastSeen,
        policy: this.opts.policy.summary(s.name, robot),
        guard: this.opts.policy.guard(s.name, robot),
      };
    });
  }

  recentTimeline(limit = 200): AgentTimelineEntry[] {
    return this.timeline.slice(-limit);
  }

  close(): void {
    for (const p of [...this.pending.values()]) p.settle({ approve: false, by: 'the bridge', reason: 'the bridge stopped' });
    this.listeners.clear();
  }
}
