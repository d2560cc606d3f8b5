/** A fixed-size ring of IMU samples per device, outside React: the plot reads it once per animation frame. */
import type { RobotView } from './robot-state';

export const IMU_HISTORY = 200; // 10 s at 20 Hz

export interface ImuRing {
  t: Float64Array;
  series: Float64Array[]; // ax, ay, az, gx, gy, gz
  count: number;
  head: number;
  version: number;
}

const rings = new Map<string, ImuRing>();

export function getImuRing(deviceId: string): ImuRing | undefined {
  return rings.get(deviceId);
}

export function recordImu(deviceId: string, view: RobotView): void {
  if (!view.imu || view.imu.accel.length < 3) return;
  let r = rings.get(deviceId);
  if (!r) {
    r = { t: new Float64Array(IMU_HISTORY), series: Array.from({ length: 6 }, () => new Float64Array(IMU_HISTORY)), count: 0, head: 0, version: 0 };
    rings.set(deviceId, r);
  }
  const i = r.head;
  r.t[i] = view.receivedAt / 1000;
  const vals = [...view.imu.accel.slice(0, 3), ...(view.imu.gyro.length >= 3 ? view.imu.gyro.slice(0, 3) : [0, 0, 0])];
  for (let k = 0; k < 6; k++) r.series[k][i] = vals[k];
  r.head = (i + 1) % IMU_HISTORY;
  r.count = Math.min(IMU_HISTORY, r.count + 1);
  r.version++;
}

/** Oldest-first arrays for uPlot. */
export function imuArrays(r: ImuRing): [number[], ...number[][]] {
  const n = r.count;
  const start = (r.head - n + IMU_HISTORY) % IMU_HISTORY;
  const idx = (k: number): number => (start + k) % IMU_HISTORY;
  const t = Array.from({ length: n }, (_, k) => r.t[idx(k)]);
  return [t, ...r.series.map((s) => Array.from({ length: n }, (_, k) => s[idx(k)]))];
}
