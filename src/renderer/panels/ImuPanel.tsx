import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { LiveData, Panel, fmt } from '../components/Panel';
import { useSelectedDeviceId, useStreamFreshness } from '../hooks';
import { useConsoleStore } from '../store';
import { getImuRing, imuArrays } from '../imu-history';

const COLORS = ['#ff6b6b', '#51cf66', '#4dabf7'];

function makePlot(el: HTMLElement, title: string, unit: string, names: string[]): uPlot {
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height: 130,
    title,
    legend: { show: true },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      {
        stroke: '#8892a0',
        grid: { stroke: '#2a303a' },
        // seconds before the newest sample
        values: (u, ticks) => {
          const xs = u.data[0];
          const last = xs.length ? (xs[xs.length - 1] as number) : 0;
          // Sub-second tick spacing needs a decimal, or every label reads "-0s".
          const digits = ticks.length > 1 && Math.abs(ticks[1] - ticks[0]) < 1 ? 1 : 0;
          return ticks.map((t) => {
            const label = (t - last).toFixed(digits);
            return `${Number(label) === 0 ? '0' : label}s`;
          });
        },
      },
      { stroke: '#8892a0', grid: { stroke: '#2a303a' }, label: unit, size: 50 },
    ],
    series: [{}, ...names.map((n, i) => ({ label: n, stroke: COLORS[i], width: 1.5, points: { show: false } }))],
  };
  return new uPlot(opts, [[], [], [], []], el);
}

function Temperature({ id, stale }: { id: string | null; stale: boolean }) {
  const temp = useConsoleStore((s) => (id ? (s.robots[id]?.imu?.temp ?? null) : null));
  const has = useConsoleStore((s) => (id ? !!s.robots[id]?.imu : false));
  return <span className={`muted small live-data${stale ? ' stale' : ''}`}>{has ? `temp ${fmt(temp)} °C` : 'no IMU data'}</span>;
}

export function ImuPanel() {
  const id = useSelectedDeviceId();
  const accelRef = useRef<HTMLDivElement>(null);
  const gyroRef = useRef<HTMLDivElement>(null);
  const live = useStreamFreshness(id, { observed: true });

  // The plots redraw on animation frames when new samples arrived; React does not re-render them at 20 Hz.
  useEffect(() => {
    if (!accelRef.current || !gyroRef.current || !id) return;
    const accel = makePlot(accelRef.current, 'accelerometer', 'm/s²', ['ax', 'ay', 'az']);
    const gyro = makePlot(gyroRef.current, 'gyroscope', 'rad/s', ['gx', 'gy', 'gz']);
    let raf = 0;
    let seen = -1;
    const tick = (): void => {
      const ring = getImuRing(id);
      if (ring && ring.version !== seen) {
        seen = ring.version;
        const [t, ...s] = imuArrays(ring);
        accel.setData([t, s[0], s[1], s[2]]);
        gyro.setData([t, s[3], s[4], s[5]]);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    const onResize = (): void => {
      const w = Math.max(200, accelRef.current?.clientWidth ?? 200);
      accel.setSize({ width: w, height: 130 });
      gyro.setSize({ width: w, height: 130 });
    };
    window.addEventListener('resize', onResize);
    return () => {
      cancelAnimationFrame(raf);
      window.removeEventListener('resize', onResize);
      accel.destroy();
      gyro.destroy();
    };
  }, [id]);

  return (
    <Panel name="imu" title="IMU" extra={<Temperature id={id} stale={live.stale} />} live={id ? live : undefined}>
      <LiveData f={live}>
        <div ref={accelRef} className="plot" data-testid="imu-accel" />
        <div ref={gyroRef} className="plot" data-testid="imu-gyro" />
      </LiveData>
    </Panel>
  );
}
