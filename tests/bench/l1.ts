/**
 * L1: the console process's event loop under the full load (issue 16 point 3). This process is the console exactly
 * as browser mode runs it (tests/e2e/harness.ts: ConsoleHost with the in-process simulator and driver, the web
 * server), with Chromium showing it: the 20 Hz state stream, the WebRTC video panel playing (the sim renders and
 * encodes VP8 at its frame rate), and a panorama scan started from the panel (moves, captures, stitching).
 * perf_hooks.monitorEventLoopDelay samples this process's loop from the moment video plays until the scan is done;
 * the interlock must not trip (a busy machine is not a lost robot).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startConsoleRig } from '../e2e/harness';
import { round, type Bench, type BenchResult } from './harness';

const DEVICE = 'reachy-mini-1';
const TARGET_P99_MS = 20;
/** Sampling interval; Node's histogram values include it, so it is subtracted to report the delay itself. */
const RESOLUTION_MS = 5;

type Obj = Record<string, unknown>;

export const l1: Bench = {
  id: 'L1',
  name: 'console event-loop delay with sim, driver, WebRTC video, 20 Hz state and a panorama scan',
  async run(): Promise<BenchResult> {
    const rig = await startConsoleRig();
    const page = rig.page;
    const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    try {
      // The Panorama layout: the scan form, the video and the 3D robot all on screen, as an operator scanning has them.
      await page.getByTestId('preset-Panorama').click();
      await page.waitForFunction(
        () => {
          const v = document.querySelector<HTMLVideoElement>('[data-testid="video-panel-video"]');
          return !!v && v.videoWidth > 0 && v.currentTime > 0;
        },
        undefined,
        { timeout: 60_000 },
      );
      const status = async (): Promise<Obj> => {
        const r = await rig.host.invoke(DEVICE, 'get_status', {});
        return (r.result as Obj).driver_state as Obj;
      };
      if ((await status()).interlock_state !== 'safe') throw new Error('interlock tripped before the run');

      // An 18-frame scan: 3 body positions × 2 pitches × 3 head yaws, short settle.
      await page.getByTestId('panorama-full360').uncheck();
      await page.getByTestId('panorama-bodyYawSteps').fill('3');
      await page.getByTestId('panorama-pitchSteps').fill('2');
      await page.getByTestId('panorama-yawSteps').fill('3');
      await page.getByTestId('panorama-settleS').fill('0.2');
      h.enable();
      const t0 = performance.now();
      await page.getByTestId('panorama-start').click();
      const text = async (): Promise<string> => (await page.getByTestId('panorama-progress-text').textContent()) ?? '';
      const deadline = Date.now() + 180_000;
      let last = '';
      while (!/done/.test(last) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        last = await text();
        if (/fail|error|abort/i.test(last)) throw new Error(`scan failed: ${last}`);
      }
      if (!/done/.test(last)) throw new Error(`scan did not finish: ${last}`);
      const scanS = (performance.now() - t0) / 1000;
      h.disable();
      const st = await status();
      const playing = await page.evaluate(() => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid="video-panel-video"]');
        return !!v && v.videoWidth > 0 && !v.paused;
      });
      const ms = (ns: number): number => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 2);
      const p99 = ms(h.percentile(99));
      const tripped = st.interlock_state !== 'safe' || st.interlock_since !== null;
      return {
        id: 'L1',
        name: 'console process event-loop delay: sim + driver + WebRTC video + 20 Hz state + 18-frame panorama scan',
        metrics: {
          p50_ms: ms(h.percentile(50)),
          p99_ms: p99,
          max_ms: ms(h.max),
          mean_ms: ms(h.mean),
          scan_s: round(scanS, 1),
          interlock_trips: tripped ? 1 : 0,
          video_playing_at_end: playing ? 1 : 0,
        },
        target: `p99 ≤ ${TARGET_P99_MS} ms, no interlock trip`,
        pass: p99 <= TARGET_P99_MS && !tripped,
        notes: `monitorEventLoopDelay every ${RESOLUTION_MS} ms, figures are the delay beyond that; samples ${h.count}; trip: ${tripped ? String(st.interlock_reason) : 'none'}`,
      };
    } finally {
      h.disable();
      await rig.close();
    }
  },
};
