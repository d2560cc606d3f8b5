/**
 * look_at_image(u, v): turn the head toward what is at pixel (u, v) of the head camera's image. The world direction
 * of that pixel comes from the camera model (intrinsics and the head→camera rotation) and the OBSERVED head pose,
 * and becomes a look_at_world target that goes through look_at_world's own handler: the same parameter checks, lease,
 * interlock and 65° head–body gate, so this function can never do what look_at_world would refuse.
 */
import { z } from 'zod';
import { cameraRotation, pixelToWorldRay, scaleIntrinsics, SIM_CAMERA } from '../../shared/camera-model';
import { rad2deg, wrapAngle } from '../../shared/kinematics';
import { LIMITS } from '../../shared/reachy';
import type { DeviceFunction, FunctionContext } from '../mesh';
import { declare, type DriverContext } from './context';
import { checkRange, DriverRefusal, ownerParam, rangedNumber, waitParam } from './limits';
import { motionFunctions } from './motion-functions';
import { roundDeg } from './pose';

const K = SIM_CAMERA;

export function lookAtImageFunctions(ctx: DriverContext): DeviceFunction[] {
  const lookAtWorld = motionFunctions(ctx).find((f) => f.name === 'look_at_world');
  if (!lookAtWorld) throw new Error('look_at_image needs look_at_world');
  const { motion } = ctx;
  return [
    declare({
      name: 'look_at_image',
      description:
        'Look at what is at pixel (u, v) of the head camera image (u right, v down, pixels of an image `width` wide; ' +
        `default ${K.width}×${K.height}). The pixel's direction in the room, from the camera model and the observed head ` +
        'pose, becomes a look_at_world target in the body frame: the same limits (pitch ' +
        `[${LIMITS.headPitchDeg.min}, ${LIMITS.headPitchDeg.max}], yaw from the body [${LIMITS.headYawDeg.min}, ${LIMITS.headYawDeg.max}], the ${LIMITS.headBodyYawDiffDeg}° head–body rule), lease and interlock apply. ` +
        'Returns look_at_world\'s reply plus {pixel, direction, target}.',
      params: z
        .object({
          u: z.number({ error: 'u must be a number (pixels from the left edge)' }).describe('Pixel column, 0 = left edge'),
          v: z.number({ error: 'v must be a number (pixels from the top edge)' }).describe('Pixel row, 0 = top edge'),
          width: z
            .number({ error: `width must be a number of pixels in [16, 7680] (default ${K.width})` })
            .default(K.width)
            .describe(`Width of the image u/v refer to (default ${K.width}; the aspect ratio of the camera is kept)`),
          duration_s: rangedNumber('duration_s', LIMITS.durationS, 'Seconds for the smooth move (0 = realtime target)', 0.5),
          owner: ownerParam(),
          wait: waitParam(),
        })
        .strict(),
      handler: async (p, fctx: FunctionContext) => {
        const k = motion.guard(() => {
          checkRange('width', p.width, { min: 16, max: 7680 });
          const k = scaleIntrinsics(K, p.width);
          checkRange('u', p.u, { min: 0, max: k.width });
          checkRange('v', p.v, { min: 0, max: k.height });
          return k;
        });
        const s = motion.observed();
        if (!s) motion.guard(() => { throw new DriverRefusal('state', 'no observed head pose from the robot daemon yet; try again in a moment'); });
        const head = s!.headPose;
        const body = s!.bodyYaw;
        const d = pixelToWorldRay(k, cameraRotation(head), p.u, p.v);
        // Sent in the body frame (yaw relative to the observed body), so the head can follow a turned body; positive
        // pitch = nose down. Roll is levelled and the head's translation kept (carried into the body frame).
        const yaw = roundDeg(rad2deg(wrapAngle(Math.atan2(d[1], d[0]) - body)));
        const pitch = roundDeg(rad2deg(-Math.asin(Math.max(-1, Math.min(1, d[2])))));
        const c = Math.cos(-body), sn = Math.sin(-body);
        const target = {
          pitch,
          roll: 0,
          yaw,
          x_mm: roundDeg((c * head[3] - sn * head[7]) * 1000),
          y_mm: roundDeg((sn * head[3] + c * head[7]) * 1000),
          z_mm: roundDeg(head[11] * 1000),
          frame: 'body',
          duration_s: p.duration_s,
          owner: p.owner,
          wait: p.wait,
        };
        const parsed = lookAtWorld.params.safeParse(target);
        if (!parsed.success) motion.guard(() => { throw new DriverRefusal('range', parsed.error.issues.map((i) => i.message).join('; ')); });
        const reply = (await lookAtWorld.handler(parsed.data, fctx)) as Record<string, unknown>;
        return { ...reply, pixel: { u: p.u, v: p.v, width: k.width, height: k.height }, direction: d.map((x) => Math.round(x * 1e4) / 1e4), target: { ...(reply.target as object), kind: 'look_at_image' } };
      },
    }),
  ];
}
