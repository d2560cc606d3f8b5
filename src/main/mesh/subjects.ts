/** Subject names (docs/PROTOCOL.md). Tenant is the second token. */
export const subjects = {
  cmd: (t: string, id: string) => `device-connect.${t}.${id}.cmd`,
  event: (t: string, id: string, name: string) => `device-connect.${t}.${id}.event.${name}`,
  /** `deviceId`/`eventName` may be '*': any device, any event (`>` so `event.async_reply.<cid>` also matches). */
  eventPattern: (t: string, id: string, name: string) =>
    `device-connect.${t}.${id === '*' ? '*' : id}.event.${name === '*' ? '>' : name}`,
  heartbeat: (t: string, id: string) => `device-connect.${t}.${id}.heartbeat`,
  presence: (t: string, id: string) => `device-connect.${t}.${id}.presence`,
  presenceAll: (t: string) => `device-connect.${t}.*.presence`,
  probe: (t: string) => `device-connect.${t}.discovery.probe`,
  registry: (t: string) => `device-connect.${t}.registry`,
  discovery: (t: string) => `device-connect.${t}.discovery`,
  online: (t: string) => `device-connect.${t}.device.online`,
  offline: (t: string) => `device-connect.${t}.device.offline`,
  broadcast: (t: string) => `device-connect.${t}.broadcast`,
  heartbeatAll: (t: string) => `device-connect.${t}.*.heartbeat`,
};

/** Tenants are one subject token. */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]+$/;
