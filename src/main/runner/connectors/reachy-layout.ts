/**
 * The Reachy Mini connector's vector layouts (documented in the README and sent in the demo server's metadata).
 * Degrees and millimetres, as the driver's functions; the head pose is in the world frame (the daemon's frame).
 * The first 9 state entries are the observed values of the 9 action entries, so "action = target state".
 */
export const ACTION_LAYOUT = [
  'head_roll_deg',
  'head_pitch_deg',
  'head_yaw_deg',
  'head_x_mm',
  'head_y_mm',
  'head_z_mm',
  'body_yaw_deg',
  'antenna_left_deg',
  'antenna_right_deg',
] as const;
export type ActionName = (typeof ACTION_LAYOUT)[number];

export const HEAD_JOINT_NAMES = ['head_joint_0', 'head_joint_1', 'head_joint_2', 'head_joint_3', 'head_joint_4', 'head_joint_5', 'head_joint_6'] as const;

/** state[0..8] = ACTION_LAYOUT (observed), state[9..15] = the 7 head joints (degrees). 16 numbers. */
export const STATE_LAYOUT: readonly string[] = [...ACTION_LAYOUT, ...HEAD_JOINT_NAMES];

export const idx = (name: ActionName): number => ACTION_LAYOUT.indexOf(name);
