import { useCallback, useEffect, useRef, useState } from 'react';
import { Empty, LiveData, Panel } from '../components/Panel';
import { selectDevice, useDevices, useFleetFreshness, useNow, useSelectedDeviceId, useSnapshot } from '../hooks';
import { useConsoleStore } from '../store';
import { freshness, formatAge } from '../live';
import type { DeviceInfo } from '../../shared/wire';

/**
 * A device's dot: green only while it is listed online by a fresh list and, when it streams state, that stream is
 * live too. A quiet stream turns the dot amber with its age, so a listed-but-silent robot never looks live.
 */
function dotOf(d: DeviceInfo, listStale: boolean, lastState: number | undefined, now: number): { cls: string; title: string } {
  if (!d.online) return { cls: 'off', title: 'offline' };
  if (listStale) return { cls: 'stale', title: 'online when last listed; the device list is not live' };
  if (lastState === undefined) return { cls: 'on', title: 'online' };
  const f = freshness({ now, receivedAt: lastState, what: 'state' });
  const age = `state ${formatAge(f.ageMs ?? 0)} old`;
  return f.stale ? { cls: 'stale', title: `online, but ${f.reason ?? 'its state is stale'} (${age})` } : { cls: 'on', title: `online · ${age}` };
}

/** Every row has this height so the visible window follows from the scroll offset alone. */
export const FLEET_ROW_PX = 34;
/** Rows rendered above and below the visible ones, so a fast scroll does not show blank space. */
const OVERSCAN_ROWS = 8;
/** Height assumed before the list has been laid out (and where layout is not available). */
const DEFAULT_VIEWPORT_PX = 480;

/** Index range [first, last) of the rows to render for a scroll position: the visible rows plus the overscan. */
export function visibleRange(count: number, scrollTop: number, viewportPx: number, rowPx = FLEET_ROW_PX, overscan = OVERSCAN_ROWS): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowPx) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewportPx) / rowPx) + overscan);
  return [Math.min(first, last), last];
}

export function FleetPanel() {
  const devices = useDevices();
  const selected = useSelectedDeviceId();
  const snapshot = useSnapshot();
  const error = useConsoleStore((s) => s.devicesError);
  const live = useFleetFreshness();
  const now = useNow(500);
  // Read without subscribing: the dots follow the wall clock (`now`), not every 20 Hz push.
  const robots = useConsoleStore.getState().robots;
  const mesh = snapshot?.mesh;
  // Windowing: a fleet of thousands renders only the rows in view (plus a few), so the console stays responsive
  // whatever the fleet size; the spacer keeps the scrollbar true to the whole list.
  const scroller = useRef<HTMLDivElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportPx, setViewportPx] = useState(DEFAULT_VIEWPORT_PX);
  const onScroll = useCallback(() => {
    if (scroller.current) setScrollTop(scroller.current.scrollTop);
  }, []);
  const hasDevices = devices.length > 0;
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = (): void => setViewportPx(el.clientHeight || DEFAULT_VIEWPORT_PX);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [hasDevices]);
  const [first, last] = visibleRange(devices.length, scrollTop, viewportPx);
  return (
    <Panel name="fleet" title="Fleet" live={live}>
      <div className="muted small" data-testid="mesh-line">
        {mesh ? (
          <>
            mesh: <b>{mesh.kind === 'local' ? 'local (in-process)' : mesh.urls.join(', ')}</b> · {mesh.status}
            {mesh.kind === 'nats' ? ` · tenant ${mesh.tenant} · ${mesh.discoveryMode}` : ''}
            {mesh.error ? <span className="err"> · {mesh.error}</span> : null}
          </>
        ) : (
          'mesh: —'
        )}
      </div>
      {error ? <div className="err small">{error}</div> : null}
      {devices.length === 0 ? (
        <Empty>No devices on the mesh yet{snapshot?.driver.running ? ' (the driver is announcing itself…)' : ' — start the driver in Settings'}.</Empty>
      ) : (
        <LiveData f={live}>
          <div className="muted small" data-testid="device-count">
            {devices.length} {devices.length === 1 ? 'device' : 'devices'}
          </div>
          <div
            ref={scroller}
            className="device-scroll"
            data-testid="device-scroll"
            onScroll={onScroll}
            style={{ maxHeight: `${DEFAULT_VIEWPORT_PX}px`, overflowY: 'auto' }}
          >
            <ul
              className="device-list"
              data-testid="device-list"
              data-rendered={last - first}
              style={{ paddingTop: first * FLEET_ROW_PX, paddingBottom: (devices.length - last) * FLEET_ROW_PX }}
            >
              {devices.slice(first, last).map((d) => {
                const dot = dotOf(d, live.stale, robots[d.device_id]?.receivedAt, now);
                return (
                  <li key={d.device_id} style={{ height: FLEET_ROW_PX, boxSizing: 'border-box' }}>
                    <button
                      className={`device${d.device_id === selected ? ' selected' : ''}`}
                      onClick={() => selectDevice(d.device_id)}
                      data-testid={`device-${d.device_id}`}
                      style={{ height: FLEET_ROW_PX, overflow: 'hidden', whiteSpace: 'nowrap' }}
                    >
                      <span className={`dot ${dot.cls}`} title={dot.title} data-testid={`dot-${d.device_id}`} data-state={dot.cls} />
                      <span className="device-id">{d.device_id}</span>
                      <span className="muted small">
                        {d.device_type} · {d.functions.length} fn{d.status.availability ? ` · ${String(d.status.availability)}` : ''}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          </div>
        </LiveData>
      )}
    </Panel>
  );
}
