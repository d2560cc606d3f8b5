/**
 * The ffmpeg binary used for VP8 encoding (simulator producer) and WebRTC decoding (robot stream source): the one
 * shipped inside the `@ffmpeg-installer/ffmpeg` npm package (no system install), or REACHY_FFMPEG. Run as a separate
 * process, never linked into ours.
 */
import { errorMessage } from '../../shared/errors';
import { accessSync, chmodSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

/** Path of a usable ffmpeg, or an Error saying why there is none. */
export function findFfmpeg(): string | Error {
  const env = process.env.REACHY_FFMPEG;
  if (env) return env;
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    try {
      accessSync(installer.path, constants.X_OK);
    } catch {
      // npm may skip the package's postinstall `chmod u+x`; fix it once.
      chmodSync(installer.path, 0o755);
    }
    return installer.path;
  } catch (err) {
    return new Error(`no ffmpeg for VP8 encoding (@ffmpeg-installer/ffmpeg: ${errorMessage(err)}); set REACHY_FFMPEG`);
  }
}

