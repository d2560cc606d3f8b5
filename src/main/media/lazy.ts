/**
 * Heavy media libraries, loaded on first use: sharp (libvips, about 30 MB resident) and werift (about 35 MB) are
 * needed only once a frame is encoded or a WebRTC session starts, so a driver that serves state and motion (or has
 * media on but unused) does not carry them.
 */
import type sharpFn from 'sharp';

type Sharp = typeof sharpFn;
type Werift = typeof import('werift');

let sharpP: Promise<Sharp> | null = null;
let weriftP: Promise<Werift> | null = null;

export function loadSharp(): Promise<Sharp> {
  sharpP ??= import('sharp').then((m) => m.default);
  sharpP.catch(() => (sharpP = null));
  return sharpP;
}

export function loadWerift(): Promise<Werift> {
  weriftP ??= import('werift');
  weriftP.catch(() => (weriftP = null));
  return weriftP;
}
