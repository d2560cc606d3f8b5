/**
 * Synthetic IMU (BMI088-like, docs/DAEMON.md §8): accelerometer = gravity reaction plus head acceleration, in the head
 * frame (m/s²); gyroscope = head angular rate in the head frame (rad/s, from the pose change); quaternion [w,x,y,z]
 * of the head orientation; temperature (°C) with a slow warm-up. Small seeded noise keeps it realistic and
 * reproducible.
 */
import type { Mat4 } from '../reachy';
import { mat3ToQuat, mat3ToRotvec, mulMat3, mulMat3Vec, rotationOf, transposeMat3 } from '../reachy';
import type { Rng } from './rng';

export interface ImuReading {
  accelerometer: [number, number, number];
  gyroscope: [number, number, number];
  quaternion: [number, number, number, number];
  temperature: number;
}

const G = 9.81;
const ACC_NOISE = 0.01;
const GYRO_NOISE = 0.001;

export class ImuSynth {
  private prevR: number[] | null = null;
  private prevPos: [number, number, number] | null = null;
  private prevVel: [number, number, number] = [0, 0, 0];
  private temperature = 31.0;

  constructor(private readonly rng: Rng) {}

  update(headPose: Mat4, dt: number): ImuReading {
    const r = rotationOf(headPose);
    const pos: [number, number, number] = [headPose[3], headPose[7], headPose[11]];
    let gyro: [number, number, number] = [0, 0, 0];
    let accWorld: [number, number, number] = [0, 0, 0];
    if (this.prevR && this.prevPos) {
      const w = mat3ToRotvec(mulMat3(transposeMat3(this.prevR), r));
      gyro = [w[0] / dt, w[1] / dt, w[2] / dt];
      const vel: [number, number, number] = [(pos[0] - this.prevPos[0]) / dt, (pos[1] - this.prevPos[1]) / dt, (pos[2] - this.prevPos[2]) / dt];
      accWorld = [(vel[0] - this.prevVel[0]) / dt, (vel[1] - this.prevVel[1]) / dt, (vel[2] - this.prevVel[2]) / dt];
      this.prevVel = vel;
    }
    this.prevR = r;
    this.prevPos = pos;
    // Specific force = a − g, with g = (0, 0, −9.81): at rest the sensor reads +9.81 along world up.
    const acc = mulMat3Vec(transposeMat3(r), [accWorld[0], accWorld[1], accWorld[2] + G]);
    this.temperature += (36 - this.temperature) * (dt / 600);
    const n = (s: number): number => this.rng.gauss(s);
    return {
      accelerometer: [acc[0] + n(ACC_NOISE), acc[1] + n(ACC_NOISE), acc[2] + n(ACC_NOISE)],
      gyroscope: [gyro[0] + n(GYRO_NOISE), gyro[1] + n(GYRO_NOISE), gyro[2] + n(GYRO_NOISE)],
      quaternion: mat3ToQuat(r),
      temperature: Math.round((this.temperature + n(0.02)) * 100) / 100,
    };
  }
}
