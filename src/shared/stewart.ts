/**
 * Analytic Stewart-platform IK of the Reachy Mini head (the daemon's own formula, docs/DAEMON.md §6.4): pure math on
 * shared geometry, so the simulator, the driver and the console's 3D view compute the same motor angles.
 */
import { mulMat4, type Mat4 } from './kinematics';
import { BRANCHES, HEAD_Z_OFFSET, MOTOR_ARM_LENGTH, ROD_LENGTH } from './stewart-data';

/**
 * Six Stewart motor angles for a world-frame head pose and a body yaw. Entries are NaN when the pose is out of
 * reach for that branch (negative radicand), exactly as the daemon's IK.
 */
export function stewartIk(headPose: Mat4, bodyYaw: number): number[] {
  const rs = MOTOR_ARM_LENGTH;
  const rp = ROD_LENGTH;
  const platform = headPose.slice();
  platform[11] += HEAD_Z_OFFSET;
  const c = Math.cos(-bodyYaw), s = Math.sin(-bodyYaw);
  const yawM: Mat4 = [c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const tt = mulMat4(yawM, platform);
  const out: number[] = [];
  for (const br of BRANCHES) {
    const m = mulMat4(br.tMotorWorld, tt);
    const [bx, by, bz] = br.branchPosition;
    const px = m[0] * bx + m[1] * by + m[2] * bz + m[3];
    const py = m[4] * bx + m[5] * by + m[6] * bz + m[7];
    const pz = m[8] * bx + m[9] * by + m[10] * bz + m[11];
    const px2 = px * px, py2 = py * py, pz2 = pz * pz, rp2 = rp * rp, rs2 = rs * rs;
    const x = px2 + 2 * px * rs + py2 + pz2 - rp2 + rs2;
    const radicand =
      -px2 * px2 - 2 * px2 * py2 - 2 * px2 * pz2 + 2 * px2 * rp2 + 2 * px2 * rs2 - py2 * py2 - 2 * py2 * pz2 +
      2 * py2 * rp2 + 2 * py2 * rs2 - pz2 * pz2 + 2 * pz2 * rp2 - 2 * pz2 * rs2 - rp2 * rp2 + 2 * rp2 * rs2 - rs2 * rs2;
    const y = 2 * py * rs + br.sign * Math.sqrt(radicand);
    out.push(wrapAngleFloor(2 * Math.atan2(y, x)));
  }
  return out;
}

/** The IK's own wrap: a − 2π·floor((a+π)/2π) (NaN stays NaN). */
function wrapAngleFloor(a: number): number {
  return a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
}
