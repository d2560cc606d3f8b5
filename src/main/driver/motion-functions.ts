/**
 * Motion: look_at_world, set_body_yaw, antenna_pose, goto_sleep, wake_up, stop_motion (docs/PRIOR-ART.md §B.2 names and
 * replies; limits enforced and never clamped, the head–body yaw rule checked on the full head/body pair the robot
 * will hold — see motion.ts —, execution status and the observed pose added).
 */
import { z } from 'zod';
import { deg2rad, rad2deg, yawOf, type Mat4 } from '../../shared/kinematics';
import { LIMITS } from '../../shared/reachy';
import type { JsonObject } from '../../shared/wire';
import type { DeviceFunction } from '../mesh';
import type { MoveHandle } from '../reachy';
import type { CoalesceOutcome } from './coalescer';
import { declare, type DriverContext } from './context';
import { checkRange, durationParam, ownerParam, rangedNumber, waitParam } from './limits';
import type { MotionResult } from './motion';
import { headPoseFromDeg, observedView, rotatePoseZ, roundDeg } from './pose';

const L = LIMITS;

/** Any JSON value becomes a string (a stop must not fail on a malformed label). */
const lenientString = (description: string, defaultValue?: string) => {
  const inner = defaultValue === undefined ? z.string().optional() : z.string().default(defaultValue);
  return z
    .preprocess((v) => (v == null ? undefined : typeof v === 'string' ? v : JSON.stringify(v)), inner)
    .describe(description);
};
const lim = (r: { min: number; max: number }) => `[${r.min}, ${r.max}]`;

export function motionFunctions(ctx: DriverContext): DeviceFunction[] {
  const { motion, mirror, logger } = ctx;

  /** Reply of a move: at once (`moving`), or after completion with the observed pose when `wait`. */
  const moveReply = async (handle: MoveHandle, wait: boolean, durationS: number | null, base: JsonObject) => {
    if (!wait) return { ...base, ...asleepNote(), status: 'accepted', execution: 'moving', move_uuid: handle.uuid };
    // Completion = the daemon reports the move finished AND the observed pose reached the target (motion.ts).
    const outcome = await motion.waitDone(handle, ((durationS ?? 10) + 15) * 1000);
    const s = await motion.freshState(Date.now());
    return {
      ...base,
      status: outcome ? outcome.status : 'timeout',
      execution: mirror.executionState(),
      move_uuid: handle.uuid,
      ...(outcome?.details ? { details: outcome.details } : {}),
      observed: s ? observedView(s) : null,
    };
  };

  const asleepNote = (): JsonObject =>
    mirror.isAsleep() ? { warning: 'the robot is asleep (motors limp after goto_sleep); call wake_up first' } : {};

  const realtimeReply = (outcome: string, base: JsonObject) =>
    outcome === 'cancelled'
      ? { ...base, status: 'cancelled', reason: 'stop_motion or an interlock trip dropped this target before it was sent' }
      : {
          ...base,
          status: 'accepted',
          execution: mirror.executionState(),
          ...(outcome === 'coalesced'
            ? { coalesced: true, note: `superseded by a newer target before it was sent (stream limit ${L.realtimeMaxHz} Hz)` }
            : {}),
          ...asleepNote(),
        };

  /** The reply for either transport; `wait` only applies to interpolated moves. */
  const reply = async (r: MotionResult, wait: boolean, durationS: number): Promise<JsonObject> => {
    if (r.transport === 'goto') return moveReply(r.handle, wait, durationS, { target: r.record, transport: 'goto', ...leaseInfo() });
    const outcome: CoalesceOutcome = await r.outcome;
    return realtimeReply(outcome, { target: r.record, transport: 'realtime', ...leaseInfo() });
  };

  const leaseInfo = (): JsonObject => {
    const l = mirror.lease.snapshot();
    return { owner: l.command_owner, lease_expires_at: l.lease_expires_at };
  };

  return [
    declare({
      name: 'look_at_world',
      description:
        'Point the head. Angles in degrees, offsets in millimetres; positive pitch = nose down, positive yaw = turn ' +
        `left, positive roll = tilt right ear down. Limits (rejected, never clamped): pitch and roll ${lim(L.headPitchDeg)}, ` +
        `yaw ${lim(L.headYawDeg)}, x/y/z ${lim(L.headXmm)} mm, duration_s ${lim(L.durationS)}. frame "world" (default): ` +
        'yaw is the heading in the room; frame "body": yaw is relative to the current body rotation. The head heading ' +
        `must stay within ${L.headBodyYawDiffDeg}° of the body yaw (the body's target while it turns; refused otherwise, ` +
        'naming both angles), and the pose must be reachable. A new motion command preempts a running move. ' +
        `duration_s 0 = realtime target (stream up ` +
        `to ${L.realtimeMaxHz} Hz), > 0 = smooth move (execution "moving" until done). Returns {status:"accepted", target, execution}.`,
      params: z
        .object({
          pitch: rangedNumber('pitch', L.headPitchDeg, 'Head pitch in degrees, + = look down', 0),
          roll: rangedNumber('roll', L.headRollDeg, 'Head roll in degrees', 0),
          yaw: rangedNumber('yaw', L.headYawDeg, 'Head yaw in degrees, + = look left (see frame)', 0),
          x_mm: rangedNumber('x_mm', L.headXmm, 'Head translation forward, millimetres', 0),
          y_mm: rangedNumber('y_mm', L.headYmm, 'Head translation to the left, millimetres', 0),
          z_mm: rangedNumber('z_mm', L.headZmm, 'Head translation up, millimetres', 0),
          duration_s: durationParam(),
          frame: z
            .enum(['world', 'body'], { error: (iss) => `frame=${JSON.stringify(iss.input)} must be "world" or "body"` })
            .default('world')
            .describe('"world" (default): yaw is the heading in the room; "body": yaw is relative to the body rotation'),
          owner: ownerParam(),
          wait: waitParam(),
        })
        .strict(),
      handler: async (p) => {
        motion.guard(() => {
          checkRange('pitch', p.pitch, L.headPitchDeg);
          checkRange('roll', p.roll, L.headRollDeg);
          checkRange('yaw', p.yaw, L.headYawDeg);
          checkRange('x_mm', p.x_mm, L.headXmm);
          checkRange('y_mm', p.y_mm, L.headYmm);
          checkRange('z_mm', p.z_mm, L.headZmm);
          checkRange('duration_s', p.duration_s, L.durationS);
        });
        motion.admit(p.owner, 'look_at_world');
        const r = await motion.command(p.owner, 'look_at_world', (basis) => {
          const body = rad2deg(basis.bodyYaw);
          const worldYaw = p.frame === 'body' ? body + p.yaw : p.yaw;
          // The frame "body" pose is the body-frame pose carried by the body rotation (translation included).
          const pose: Mat4 =
            p.frame === 'body' ? rotatePoseZ(headPoseFromDeg({ ...p }), basis.bodyYaw) : headPoseFromDeg({ ...p });
          return {
            head: pose,
            durationS: p.duration_s,
            hint:
              `use frame "body" (yaw relative to the body), or turn the body first with set_body_yaw to within ` +
              `${L.headBodyYawDiffDeg}° of ${roundDeg(worldYaw)}°`,
            record: {
              kind: 'look_at_world',
              pitch: p.pitch,
              roll: p.roll,
              yaw: p.yaw,
              x_mm: p.x_mm,
              y_mm: p.y_mm,
              z_mm: p.z_mm,
              frame: p.frame,
              duration_s: p.duration_s,
              world_yaw_deg: roundDeg(worldYaw),
              body_yaw_deg: roundDeg(body),
              observed_body_yaw_deg: roundDeg(rad2deg(basis.observed.bodyYaw)),
            },
          };
        });
        return reply(r, p.wait, p.duration_s);
      },
    }),

    declare({
      name: 'set_body_yaw',
      description:
        `Turn the body (base) to an absolute yaw in degrees, ${lim(L.bodyYawDeg)}, + = left. head "follow" (default) ` +
        'turns the head with the body, keeping where it looks relative to the body; head "hold" keeps the head ' +
        `heading fixed in the room (refused if that leaves the head more than ${L.headBodyYawDiffDeg}° from the body). ` +
        `duration_s ${lim(L.durationS)}: 0 = realtime, > 0 = smooth move. Returns {status:"accepted", target, transport, execution}.`,
      params: z
        .object({
          yaw_deg: rangedNumber('yaw_deg', L.bodyYawDeg, 'Target body yaw in degrees, + = turn left'),
          duration_s: durationParam(),
          head: z
            .enum(['follow', 'hold'], { error: (iss) => `head=${JSON.stringify(iss.input)} must be "follow" or "hold"` })
            .default('follow')
            .describe('"follow" (default): head turns with the body; "hold": head keeps its heading in the room'),
          owner: ownerParam(),
          wait: waitParam(),
        })
        .strict(),
      handler: async (p) => {
        motion.guard(() => {
          checkRange('yaw_deg', p.yaw_deg, L.bodyYawDeg);
          checkRange('duration_s', p.duration_s, L.durationS);
        });
        motion.admit(p.owner, 'set_body_yaw');
        const r = await motion.command(p.owner, 'set_body_yaw', (basis) => {
          const bodyRad = deg2rad(p.yaw_deg);
          // "follow" keeps the head where it looks relative to the body; "hold" keeps its heading in the room.
          const head = p.head === 'follow' ? rotatePoseZ(basis.head, bodyRad - basis.bodyYaw) : basis.head;
          return {
            head,
            bodyYaw: bodyRad,
            durationS: p.duration_s,
            hint:
              p.head === 'hold'
                ? `use head "follow", or turn the head first (look_at_world) to within ${L.headBodyYawDiffDeg}° of ${p.yaw_deg}°`
                : 'bring the head back toward the body first (look_at_world frame "body", yaw 0)',
            record: {
              kind: 'set_body_yaw',
              yaw_deg: p.yaw_deg,
              duration_s: p.duration_s,
              head: p.head,
              from_body_yaw_deg: roundDeg(rad2deg(basis.bodyYaw)),
              observed_body_yaw_deg: roundDeg(rad2deg(basis.observed.bodyYaw)),
              head_heading_deg: roundDeg(rad2deg(yawOf(head))),
            },
          };
        });
        return reply(r, p.wait, p.duration_s);
      },
    }),

    declare({
      name: 'antenna_pose',
      description:
        `Set both antennas, degrees ${lim(L.antennaDeg)} each (0 = upright). duration_s ${lim(L.durationS)}: 0 = realtime, ` +
        '> 0 = smooth move. Returns {status:"accepted", target, execution}.',
      params: z
        .object({
          left: rangedNumber('left', L.antennaDeg, 'Left antenna angle in degrees', 0),
          right: rangedNumber('right', L.antennaDeg, 'Right antenna angle in degrees', 0),
          duration_s: durationParam(),
          owner: ownerParam(),
          wait: waitParam(),
        })
        .strict(),
      handler: async (p) => {
        motion.guard(() => {
          checkRange('left', p.left, L.antennaDeg);
          checkRange('right', p.right, L.antennaDeg);
          checkRange('duration_s', p.duration_s, L.durationS);
        });
        motion.admit(p.owner, 'antenna_pose');
        const antennas: [number, number] = [deg2rad(p.right), deg2rad(p.left)];
        const r = await motion.command(p.owner, 'antenna_pose', () => ({
          antennas,
          durationS: p.duration_s,
          record: { kind: 'antenna_pose', left: p.left, right: p.right, duration_s: p.duration_s },
        }));
        return reply(r, p.wait, p.duration_s);
      },
    }),

    declare({
      name: 'goto_sleep',
      description:
        'Play the daemon\'s go-to-sleep sequence (head down, antennas folded; the motors may go limp at the end). ' +
        'Preempts a running move; any later motion command preempts it. wait=true replies once the daemon finished AND the head is at the sleep pose. ' +
        'Execution is "moving" until it ends. Returns {status:"accepted", result:{move_uuid}, execution}.',
      params: z.object({ owner: ownerParam(), wait: waitParam() }).strict(),
      handler: async (p) => {
        motion.admit(p.owner, 'goto_sleep');
        const h = await motion.play(p.owner, 'goto_sleep', { kind: 'goto_sleep' });
        if (!h) return { ...leaseInfo(), status: 'cancelled', reason: 'stop_motion or an interlock trip came before it was sent' };
        const r = await moveReply(h, p.wait, null, { ...leaseInfo() });
        return { ...r, result: { move_uuid: h.uuid } };
      },
    }),

    declare({
      name: 'wake_up',
      description:
        'Play the daemon\'s wake-up sequence (head to the neutral pose, antennas up); preempts a running move (e.g. goto_sleep). ' +
        'wait=true replies once the daemon finished AND the head is at the neutral pose. Execution is "moving" until it ' +
        'ends. Returns {status:"accepted", result:{move_uuid}, execution}.',
      params: z.object({ owner: ownerParam(), wait: waitParam() }).strict(),
      handler: async (p) => {
        motion.admit(p.owner, 'wake_up');
        const h = await motion.play(p.owner, 'wake_up', { kind: 'wake_up' });
        if (!h) return { ...leaseInfo(), status: 'cancelled', reason: 'stop_motion or an interlock trip came before it was sent' };
        const r = await moveReply(h, p.wait, null, { ...leaseInfo() });
        return { ...r, result: { move_uuid: h.uuid } };
      },
    }),

    declare({
      name: 'stop_motion',
      description:
        'Stop all motion now: cancels running moves and drops pending realtime targets. Always accepted, from any ' +
        'owner, even while the interlock is tripped or another owner holds the lease (malformed or extra arguments ' +
        'never block a stop). Holds the pose observed at the stop, so a realtime target already sent is not finished. ' +
        'Does not reset the interlock. Returns {status:"accepted", result:{stopped, daemon, hold}, execution}.',
      // Lenient on purpose: a stop must never be refused for its arguments.
      params: z
        .object({
          owner: lenientString('Who asks for the stop (logged)', 'agent'),
          reason: lenientString('Why (logged)'),
        })
        .catchall(z.unknown()),
      handler: async (p) => {
        const who = (p.owner ?? 'agent').slice(0, 64);
        logger.info(`stop_motion by '${who}'${p.reason ? `: ${p.reason.slice(0, 200)}` : ''}`);
        const result = await motion.stop(`stop_motion by ${who}`);
        return { status: 'accepted', result, execution: mirror.executionState() };
      },
    }),
  ];
}
