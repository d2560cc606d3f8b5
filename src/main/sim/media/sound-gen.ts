/**
 * Generates resources/sounds/chime.wav (0.4 s, 16 kHz mono, two-tone chime) so the allowed sounds folder ships a
 * sound that is ours. Run once: `npx tsx src/main/sim/media/sound-gen.ts [out.wav]` (output is committed).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function chimeWav(sampleRate = 16_000): Buffer {
  const n = Math.round(0.4 * sampleRate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const env = Math.exp(-6 * t) * Math.min(1, t / 0.005);
    const f = t < 0.15 ? 880 : 1320;
    data.writeInt16LE(Math.round(0.4 * env * Math.sin(2 * Math.PI * f * t) * 32767), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = process.argv[2] ?? 'resources/sounds/chime.wav';
  writeFileSync(out, chimeWav());
  process.stderr.write(`sound written to ${out}\n`);
}
