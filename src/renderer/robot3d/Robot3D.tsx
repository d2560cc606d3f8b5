/**
 * The live 3D Reachy Mini (three.js through @react-three/fiber). Geometry is made here in code; nothing is loaded
 * at run time. Samples arrive at 20 Hz; the picture eases toward the newest one every frame and only renders while
 * something moves (frameloop "demand"), so an idle robot costs no GPU time.
 */
import { Component, memo, useEffect, useMemo, useRef, type ReactNode, type RefObject } from 'react';
import { Canvas, useFrame, useThree } from '@react-three/fiber';
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { LIMITS } from '../../shared/reachy';
import { SIM_CAMERA } from '../../shared/camera-model';
import { approach, clonePose, legs, NEUTRAL, platformMatrix, type DrawPose } from './model';
import { errorMessage } from '../../shared/errors';

export interface SceneInput {
  /** The newest observed pose, or null before the first sample. */
  pose: DrawPose | null;
  /** The driver's last target, drawn as a ghost. */
  target: { head: DrawPose['head'] | null; bodyYawDeg: number | null } | null;
  /** Direction of arrival of sound in the robot's world frame (degrees, 0 = forward, + = left), or null. */
  doaDeg: number | null;
}

const DEG = Math.PI / 180;
const UP = new THREE.Vector3(0, 1, 0);
/** Row-major 4×4 (ours) → three's Matrix4 (whose `set` takes row-major too). */
const toMatrix4 = (m: number[], out: THREE.Matrix4): THREE.Matrix4 =>
  out.set(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13], m[14], m[15]);

/** Stretches a unit cylinder (along +y, height 1) between two points. */
function placeBetween(mesh: THREE.Object3D, a: THREE.Vector3, b: THREE.Vector3): void {
  const d = new THREE.Vector3().subVectors(b, a);
  const len = d.length();
  mesh.position.copy(a).addScaledVector(d, 0.5);
  mesh.quaternion.setFromUnitVectors(UP, d.normalize());
  mesh.scale.set(1, Math.max(len, 1e-6), 1);
}

// Lambert, not PBR: on a software rasteriser (SwiftShader) the standard material's per-pixel cost was most of each
// frame, and flat-lit plastic reads the same at this size.
const MAT = {
  body: new THREE.MeshLambertMaterial({ color: '#d9dde3' }),
  bodyMark: new THREE.MeshLambertMaterial({ color: '#4dabf7' }),
  motor: new THREE.MeshLambertMaterial({ color: '#2b2f36' }),
  arm: new THREE.MeshLambertMaterial({ color: '#adb5bd' }),
  rod: new THREE.MeshLambertMaterial({ color: '#f1f3f5' }),
  head: new THREE.MeshLambertMaterial({ color: '#f8f9fa' }),
  eye: new THREE.MeshLambertMaterial({ color: '#111418' }),
  // A colour nothing else in the scene has: the camera lens (tests find the head's heading by it).
  lens: new THREE.MeshBasicMaterial({ color: '#ff00ff', toneMapped: false }),
  antenna: new THREE.MeshLambertMaterial({ color: '#212529' }),
  ghost: new THREE.MeshBasicMaterial({ color: '#4dabf7', transparent: true, opacity: 0.22, depthWrite: false }),
  cone: new THREE.MeshBasicMaterial({ color: '#fcc419', transparent: true, opacity: 0.13, side: THREE.DoubleSide, depthWrite: false }),
  doa: new THREE.MeshBasicMaterial({ color: '#51cf66' }),
};

const GEO = {
  cyl: new THREE.CylinderGeometry(1, 1, 1, 16),
  unitRod: new THREE.CylinderGeometry(0.0025, 0.0025, 1, 8),
  unitArm: new THREE.CylinderGeometry(0.004, 0.004, 1, 8),
  sphere: new THREE.SphereGeometry(1, 24, 16),
  motor: new THREE.BoxGeometry(0.02, 0.02, 0.02),
  eye: new THREE.CylinderGeometry(0.021, 0.021, 0.01, 24),
  lens: new THREE.SphereGeometry(0.009, 16, 12),
  antenna: new THREE.CylinderGeometry(0.0025, 0.0025, 0.09, 8),
  tip: new THREE.SphereGeometry(0.008, 12, 8),
  // The head heading must stay within ±65° of the body: the allowed sector, drawn at head height.
  cone: new THREE.CircleGeometry(0.24, 48, -LIMITS.headBodyYawDiffDeg * DEG, 2 * LIMITS.headBodyYawDiffDeg * DEG),
  doa: new THREE.ConeGeometry(0.012, 0.04, 12),
};

function frustumGeometry(): THREE.BufferGeometry {
  const L = 0.09;
  const hy = L * (SIM_CAMERA.cx / SIM_CAMERA.fx);
  const hz = L * (SIM_CAMERA.cy / SIM_CAMERA.fy);
  const o = [0, 0, 0];
  const c = [
    [L, hy, hz],
    [L, -hy, hz],
    [L, -hy, -hz],
    [L, hy, -hz],
  ];
  const pts = [...c.flatMap((p) => [...o, ...p]), ...c.flatMap((p, i) => [...p, ...c[(i + 1) % 4]])];
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.Float32BufferAttribute(pts, 3));
  return g;
}

/** The head, in the platform frame (x forward, z up): shell, eyes, the camera lens between them, antennas. */
function Head({ ghost, antennasRef }: { ghost?: boolean; antennasRef?: RefObject<[THREE.Object3D | null, THREE.Object3D | null]> }) {
  const frustum = useMemo(frustumGeometry, []);
  if (ghost) return <mesh geometry={GEO.sphere} material={MAT.ghost} position={[0, 0, 0.05]} scale={[0.062, 0.085, 0.058]} />;
  return (
    <group>
      <mesh geometry={GEO.sphere} material={MAT.head} position={[0, 0, 0.05]} scale={[0.062, 0.085, 0.058]} />
      {[0.032, -0.032].map((y) => (
        <mesh key={y} geometry={GEO.eye} material={MAT.eye} position={[0.056, y, 0.06]} rotation={[0, 0, Math.PI / 2]} />
      ))}
      <mesh geometry={GEO.lens} material={MAT.lens} position={[0.06, 0, 0.04]} />
      <lineSegments geometry={frustum} position={[0.06, 0, 0.04]}>
        <lineBasicMaterial color="#ff8cff" transparent opacity={0.7} />
      </lineSegments>
      {[-1, 1].map((side, i) => (
        <group
          key={side}
          position={[-0.005, side * 0.04, 0.1]}
          ref={(o) => {
            if (antennasRef?.current) antennasRef.current[i] = o;
          }}
        >
          <mesh geometry={GEO.antenna} material={MAT.antenna} position={[0, 0, 0.045]} rotation={[Math.PI / 2, 0, 0]} />
          <mesh geometry={GEO.tip} material={MAT.antenna} position={[0, 0, 0.09]} />
        </group>
      ))}
    </group>
  );
}

/** Whether `b` draws the same picture as `a` (within a hundredth of a degree or millimetre). */
function sameScene(a: SceneInput | null, b: SceneInput): boolean {
  if (!a) return false;
  if (!a.pose || !b.pose) return a.pose === b.pose && a.doaDeg === b.doaDeg && JSON.stringify(a.target) === JSON.stringify(b.target);
  const sa = a.pose.stewartDeg, sb = b.pose.stewartDeg;
  const stewart = sa === sb || (!!sa && !!sb && sa.length === sb.length && sa.every((v, i) => Math.abs(v - sb[i]) < 0.01));
  return stewart && approach(clonePose(a.pose), b.pose, 0) < 0.01 && a.doaDeg === b.doaDeg && JSON.stringify(a.target) === JSON.stringify(b.target);
}

/** A subscription to new samples: calls back after `input` changed (and once at once). Returns the unsubscribe. */
export type SampleSubscribe = (onSample: () => void) => () => void;

function Robot({ input, subscribe }: { input: RefObject<SceneInput>; subscribe: SampleSubscribe }) {
  const invalidate = useThree((s) => s.invalidate);
  // What the last frame was drawn from: a sample that changes nothing (a robot at rest) draws no frame.
  const drawn = useRef<SceneInput | null>(null);
  useEffect(() => subscribe(() => void (input.current && !sameScene(drawn.current, input.current) && invalidate())), [subscribe, input, invalidate]);
  const shown = useRef<DrawPose>(clonePose(NEUTRAL));
  const first = useRef(true);
  const base = useRef<THREE.Group>(null);
  const coneGroup = useRef<THREE.Group>(null);
  const head = useRef<THREE.Group>(null);
  const ghost = useRef<THREE.Group>(null);
  const ghostBody = useRef<THREE.Mesh>(null);
  const doa = useRef<THREE.Group>(null);
  const antennas = useRef<[THREE.Object3D | null, THREE.Object3D | null]>([null, null]);
  const motors = useRef<Array<THREE.Mesh | null>>([]);
  const arms = useRef<Array<THREE.Mesh | null>>([]);
  const rods = useRef<Array<THREE.Mesh | null>>([]);
  const m4 = useMemo(() => new THREE.Matrix4(), []);
  const va = useMemo(() => new THREE.Vector3(), []);
  const vb = useMemo(() => new THREE.Vector3(), []);

  useFrame((_, dt) => {
    drawn.current = input.current;
    const goal = input.current?.pose;
    if (!goal) return;
    let left = 0;
    if (first.current) {
      shown.current = clonePose(goal);
      first.current = false;
    } else {
      // ~60 ms time constant: a 20 Hz stream looks continuous without lagging a visible step behind.
      left = approach(shown.current, goal, 1 - Math.exp(-Math.min(dt, 0.1) / 0.06));
    }
    const p = shown.current;
    if (base.current) base.current.rotation.z = p.bodyYawDeg * DEG;
    if (coneGroup.current) coneGroup.current.rotation.z = p.bodyYawDeg * DEG;
    if (head.current) {
      toMatrix4(platformMatrix(p), m4).decompose(head.current.position, head.current.quaternion, head.current.scale);
    }
    const [r, l] = antennas.current;
    if (r) r.rotation.x = p.antennasDeg[0] * DEG;
    if (l) l.rotation.x = -p.antennasDeg[1] * DEG;
    legs(p).forEach((leg, i) => {
      motors.current[i]?.position.set(leg.motor[0], leg.motor[1], leg.motor[2]);
      const arm = arms.current[i];
      if (arm) placeBetween(arm, va.set(...leg.motor), vb.set(...leg.armEnd));
      const rod = rods.current[i];
      if (rod) placeBetween(rod, va.set(...leg.armEnd), vb.set(...leg.anchor));
    });
    const t = input.current?.target;
    if (ghost.current) {
      const th = t?.head;
      const far = th && (Math.abs(th.yaw - goal.head.yaw) > 1 || Math.abs(th.pitch - goal.head.pitch) > 1 || Math.abs(th.roll - goal.head.roll) > 1 || Math.abs(th.z - goal.head.z) > 1);
      ghost.current.visible = !!far;
      if (th && far) toMatrix4(platformMatrix({ ...NEUTRAL, head: th }), m4).decompose(ghost.current.position, ghost.current.quaternion, ghost.current.scale);
    }
    if (ghostBody.current) {
      const tb = t?.bodyYawDeg;
      ghostBody.current.visible = tb !== null && tb !== undefined && Math.abs(tb - goal.bodyYawDeg) > 1;
      if (tb !== null && tb !== undefined) {
        ghostBody.current.position.set(0.1 * Math.cos(tb * DEG), 0.1 * Math.sin(tb * DEG), 0.072);
        ghostBody.current.rotation.z = tb * DEG;
      }
    }
    const d = input.current?.doaDeg;
    if (doa.current) {
      doa.current.visible = d !== null && d !== undefined;
      if (d !== null && d !== undefined) doa.current.rotation.z = d * DEG;
    }
    if (left > 0.05) invalidate();
  });

  return (
    <group>
      <group ref={coneGroup} position={[0, 0, 0.177]}>
        <mesh geometry={GEO.cone} material={MAT.cone} />
      </group>
      <group ref={base}>
        {/* base: a tapered shell from the floor up to just under the motors */}
        <mesh geometry={GEO.cyl} material={MAT.body} position={[0, 0, 0.034]} rotation={[Math.PI / 2, 0, 0]} scale={[0.085, 0.068, 0.085]} />
        <mesh geometry={GEO.cyl} material={MAT.body} position={[0, 0, 0.074]} rotation={[Math.PI / 2, 0, 0]} scale={[0.055, 0.012, 0.055]} />
        <mesh geometry={GEO.motor} material={MAT.bodyMark} position={[0.086, 0, 0.04]} scale={[0.4, 1.2, 1.5]} />
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <group key={i}>
            <mesh ref={(o) => void (motors.current[i] = o)} geometry={GEO.motor} material={MAT.motor} />
            <mesh ref={(o) => void (arms.current[i] = o)} geometry={GEO.unitArm} material={MAT.arm} />
            <mesh ref={(o) => void (rods.current[i] = o)} geometry={GEO.unitRod} material={MAT.rod} />
          </group>
        ))}
      </group>
      <mesh ref={ghostBody} geometry={GEO.motor} material={MAT.ghost} scale={[1, 1, 1]} visible={false} />
      <group ref={head}>
        <Head antennasRef={antennas} />
      </group>
      <group ref={ghost} visible={false}>
        <Head ghost />
      </group>
      <group ref={doa} visible={false}>
        <mesh geometry={GEO.doa} material={MAT.doa} position={[0.26, 0, 0.02]} rotation={[0, 0, -Math.PI / 2]} />
      </group>
    </group>
  );
}

/** Orbit (drag), zoom (wheel) and pan (right drag) around the robot, z up. */
function Controls() {
  const { camera, gl, invalidate } = useThree();
  useEffect(() => {
    camera.up.set(0, 0, 1);
    const c = new OrbitControls(camera, gl.domElement);
    c.target.set(0, 0, 0.12);
    c.minDistance = 0.2;
    c.maxDistance = 2.5;
    c.update();
    const onChange = (): void => invalidate();
    c.addEventListener('change', onChange);
    invalidate();
    return () => {
      c.removeEventListener('change', onChange);
      c.dispose();
    };
  }, [camera, gl, invalidate]);
  return null;
}

const Scene = memo(function Scene({ input, subscribe }: { input: RefObject<SceneInput>; subscribe: SampleSubscribe }) {
  const grid = useMemo(() => {
    const g = new THREE.GridHelper(0.8, 16, '#3b4350', '#262c35');
    g.rotation.x = Math.PI / 2;
    return g;
  }, []);
  return (
    <>
      <color attach="background" args={['#11151b']} />
      <hemisphereLight args={['#ffffff', '#30363f', 1.6]} position={[0, 0, 1]} />
      <directionalLight position={[0.6, -0.4, 1]} intensity={1.6} />
      <primitive object={grid} />
      <Robot input={input} subscribe={subscribe} />
      <Controls />
    </>
  );
});

class GlBoundary extends Component<{ children: ReactNode }, { error: string | null }> {
  override state = { error: null as string | null };
  static getDerivedStateFromError(e: unknown) {
    return { error: errorMessage(e) };
  }
  override render() {
    if (this.state.error) return <div className="empty" data-testid="robot3d-error">3D view unavailable: {this.state.error}</div>;
    return this.props.children;
  }
}

/**
 * The canvas. `input` is read every frame and `subscribe` says when a new sample landed: no React render per sample,
 * a frame only when the picture changes (the interpolation then keeps rendering until it settles).
 */
export const Robot3D = memo(function Robot3D({ input, subscribe }: { input: RefObject<SceneInput>; subscribe: SampleSubscribe }) {
  return (
    <GlBoundary>
      <Canvas
        frameloop="demand"
        dpr={1}
        camera={{ position: [0.9, -0.44, 0.52], fov: 34, near: 0.01, far: 20, up: [0, 0, 1] }}
        gl={{ antialias: false, powerPreference: 'high-performance' }}
        data-testid="robot3d-canvas"
        onCreated={({ gl }) => {
          // A software rasteriser (SwiftShader: no GPU, e.g. a VM or CI) pays per pixel on the CPU the rest of the
          // app needs: draw at a lower resolution there. Real GPUs keep full resolution.
          const ctx = gl.getContext();
          const info = ctx.getExtension('WEBGL_debug_renderer_info');
          const renderer = String(info ? ctx.getParameter(info.UNMASKED_RENDERER_WEBGL) : ctx.getParameter(ctx.RENDERER));
          if (/swiftshader|llvmpipe|software/i.test(renderer)) gl.setPixelRatio(0.6);
        }}
      >
        <Scene input={input} subscribe={subscribe} />
      </Canvas>
    </GlBoundary>
  );
});
