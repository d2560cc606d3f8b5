/**
 * The contract between the robot app's server (src/main/robot-app) and its page (src/robot-app-ui): the JSON the
 * page reads and writes. Plain types, so the page never imports from src/main.
 */
/** Every field of the robot app's settings file (validated in src/main/robot-app/settings.ts). */
export interface SettingsFields {
  use_portal: boolean;
  nats_credentials_file: string;
  device_id: string;
  tenant: string;
  reachy_target: string;
  transport_mode: string;
  allow_insecure: boolean;
  simulate: boolean;
  no_media: boolean;
  messaging_backend: string;
  messaging_urls: string;
  discovery_mode: string;
  portal_credentials_glob: string;
  portal_credentials_dir: string;
  mhp_rig: string;
  reachy_prefix: string;
}

export type FieldName = keyof SettingsFields;

export interface FieldError {
  field: string;
  message: string;
}

/** What the page and `doctor` may show about a credentials file: never the JWT or the seed. */
export interface CredentialsSummary {
  present: boolean;
  file?: string;
  tenant?: string;
  device_id?: string;
  urls?: string[];
  /** ISO time the user JWT expires, null when it never does. */
  expires?: string | null;
  expired?: boolean;
  error?: string;
}

export type DriverState = 'stopped' | 'not_configured' | 'starting' | 'running' | 'retrying' | 'stopping';

export interface DriverStatus {
  state: DriverState;
  running: boolean;
  device_id: string | null;
  tenant: string | null;
  broker: string | null;
  target: string | null;
  portal: boolean;
  mesh: { connected: boolean; status: string };
  daemon: { link: string };
  /**
   * The running driver's interlock (null when no driver runs). A trip stays latched across driver restarts and app
   * restarts until reset_interlock (docs/SAFETY.md), so the page says so instead of a plain "running".
   */
  interlock: { state: 'safe' | 'tripped'; reason: string | null; source: string | null; since: string | null } | null;
  last_error: string | null;
  errors: FieldError[];
  since: string | null;
  restarts: number;
  history: Array<{ ts: string; message: string }>;
}

export interface Check {
  id: string;
  label: string;
  ok: boolean | null;
  detail: string;
  hint?: string;
}
