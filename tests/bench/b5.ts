/**
 * B5: the cockpit in Chromium (WebGL through SwiftShader) in the Drive layout — the live 3D robot, the WebRTC video,
 * the pose view, teleop, fleet and events — while the driver publishes state_event at 20 Hz and the head keeps
 * moving (so the 3D view keeps drawing). Frames per second with requestAnimationFrame, the frames the 3D view drew and
 * the video frames presented, unthrottled and with the CPU throttled 4× through the DevTools protocol, and the long
 * tasks (> 100 ms) over 30 s.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Bench, BenchResult } from './harness';
import { percentile, round } from './harness';
import { startConsoleRig } from '../e2e/harness';
import { ensureRendererBuilt } from '../helpers/renderer-build';
import { rendererDir } from '../../src/main/app/paths';

// Strings, not functions: the bench runs through tsx, whose name helpers do not exist in the page.
// requestAnimationFrame counts the page's frames; the 3D view draws only when its picture changes (frameloop
// "demand"), so its own frames are counted too — every three.js render starts with one gl.clear on its canvas — and
// the video's presented frames through requestVideoFrameCallback. An idle page can reach 60 rAF/s while drawing
// nothing: the 3D and video rates say what the operator actually saw move.
const FPS = (ms: number): string => `new Promise((resolve) => {
  const deltas = [];
  let frames = 0, last = 0, t0 = 0, gl = 0, video = 0, done = false;
  const protos = [window.WebGL2RenderingContext, window.WebGLRenderingContext].filter(Boolean).map((c) => c.prototype);
  const clears = protos.map((p) => p.clear);
  protos.forEach((p, i) => { p.clear = function (...a) { if (!done) gl++; return clears[i].apply(this, a); }; });
  const v = document.querySelector('video');
  const onVideo = () => { if (done) return; video++; v.requestVideoFrameCallback(onVideo); };
  if (v && v.requestVideoFrameCallback) v.requestVideoFrameCallback(onVideo);
  const tick = (t) => {
    if (!t0) { t0 = t; gl = 0; video = 0; } else deltas.push(t - last);
    last = t;
    frames++;
    if (t - t0 < ${ms}) requestAnimationFrame(tick);
    else { done = true; protos.forEach((p, i) => { p.clear = clears[i]; }); resolve({ frames: frames - 1, ms: t - t0, deltas, gl, video }); }
  };
  requestAnimationFrame(tick);
})`;

const LONG_TASKS = (ms: number): string => `new Promise((resolve) => {
  const long = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.duration > 100) long.push(e.duration); });
  obs.observe({ type: 'longtask', buffered: false });
  setTimeout(() => { obs.disconnect(); resolve(long); }, ${ms});
})`;

async function fps(page: Page, ms: number): Promise<{ fps: number; p95: number; max: number; robot3dFps: number; videoFps: number }> {
  const r = (await page.evaluate(FPS(ms))) as { frames: number; ms: number; deltas: number[]; gl: number; video: number };
  return { fps: (r.frames * 1000) / r.ms, p95: percentile(r.deltas, 95), max: Math.max(...r.deltas), robot3dFps: (r.gl * 1000) / r.ms, videoFps: (r.video * 1000) / r.ms };
}

export const b5: Bench = {
  id: 'B5',
  name: 'cockpit fps in Chromium: 3D robot, video and live panels, state_event 20 Hz',
  async run(): Promise<BenchResult> {
    await ensureRendererBuilt({ forBench: true });
    if (!existsSync(join(rendererDir(), 'index.html'))) throw new Error('renderer bundle missing');
    const rig = await startConsoleRig();
    let moving = true;
    try {
      const { page, host } = rig;
      await page.setViewportSize({ width: 1600, height: 1000 });
      await page.getByTestId('preset-Drive').click();
      await page.locator('[data-testid=robot3d] canvas').waitFor({ timeout: 20_000 });
      await page.getByTestId('video-status').waitFor({ timeout: 20_000 });
      // Keep the head moving at 20 Hz, as an operator driving it would.
      const mover = (async () => {
        const t0 = Date.now();
        while (moving) {
          const t = (Date.now() - t0) / 1000;
          await host.invoke('reachy-mini-1', 'look_at_world', { yaw: 30 * Math.sin(t), pitch: 10 * Math.sin(t * 0.7), duration_s: 0, owner: 'bench' }).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await page.waitForTimeout(1500);
      const before = Number((await page.getByTestId('state-count').innerText()).match(/\d+/)?.[0] ?? 0);
      const t0 = Date.now();
      const free = await fps(page, 5000);
      const after = Number((await page.getByTestId('state-count').innerText()).match(/\d+/)?.[0] ?? 0);
      const stateHz = ((after - before) * 1000) / (Date.now() - t0);
      const longTasks = (await page.evaluate(LONG_TASKS(30_000))) as number[];
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const slow = await fps(page, 5000);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      moving = false;
      await mover;
      return {
        id: 'B5',
        name: b5.name,
        metrics: {
          fps: round(free.fps, 1),
          frame_p95_ms: round(free.p95, 1),
          frame_max_ms: round(free.max, 1),
          robot3d_fps: round(free.robot3dFps, 1),
          video_fps: round(free.videoFps, 1),
          fps_cpu_4x: round(slow.fps, 1),
          frame_p95_ms_cpu_4x: round(slow.p95, 1),
          robot3d_fps_cpu_4x: round(slow.robot3dFps, 1),
          video_fps_cpu_4x: round(slow.videoFps, 1),
          long_tasks_over_100ms_in_30s: longTasks.length,
          longest_task_ms: round(longTasks.length ? Math.max(...longTasks) : 0, 0),
          state_events_per_s: round(stateHz, 1),
        },
        target: '≥ 55 fps; ≥ 30 fps at 4× CPU throttling; 0 long tasks > 100 ms in 30 s',
        pass: free.fps >= 55 && slow.fps >= 30 && longTasks.length === 0,
        notes: 'headless Chromium, WebGL via SwiftShader (CPU), 1600×1000, Drive layout, head moving at 20 Hz; fps = requestAnimationFrame, robot3d_fps = frames the 3D view drew, video_fps = video frames presented',
      };
    } finally {
      moving = false;
      await rig.close();
    }
  },
};
