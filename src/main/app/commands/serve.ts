import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from '../command';
import { runBrowserMode } from '../browser';

const DEFAULT_PORT = 8765;

export const command: CliCommand = {
  summary: 'browser mode: the console UI over HTTP on 127.0.0.1, with a per-start access token',
  help: `Usage: reachy-console serve [--port N] [--host 127.0.0.1] [--sim] [--no-autostart] [--open]

Serves the console UI and its API (a WebSocket that needs the access token printed in the URL).
  --port N          port to listen on (default 8765, or a free port when 8765 is taken; 0 = any free port)
  --host H          address to bind (default 127.0.0.1; anything else exposes the console to the network)
  --sim             start the bundled simulator and driver whatever the configured target
  --no-autostart    only serve; connect the mesh and start things from the Settings panel
  --open            open the URL in a browser when one is available
Settings: ~/.config/reachy_mini_driver/device_connect_app.json (or REACHY_CONSOLE_SETTINGS); environment variables
(MESSAGING_URLS, NATS_CREDENTIALS_FILE, TENANT, REACHY_TARGET, ...) override it.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        sim: { type: 'boolean', default: false },
        'no-autostart': { type: 'boolean', default: false },
        open: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port=${values.port} must be an integer in [0, 65535]`);
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(values.host)) throw new UsageError(`--host=${values.host} is not a host name or address`);
    return runBrowserMode({ port, portIsDefault: values.port === undefined, bindHost: values.host, autostart: !values['no-autostart'], sim: values.sim, open: values.open });
  },
};
