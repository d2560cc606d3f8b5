/**
 * The simulator's speaker: accepts played files and pushed samples and records what it got (bounded history), so
 * tests and the console can see what the robot "said".
 */
export type SpeakerRecord =
  | { kind: 'file'; file: string; at: number }
  | { kind: 'samples'; sampleRate: number; channels: number; frames: number; rms: number; at: number };

export class SimSpeaker {
  private readonly records: SpeakerRecord[] = [];
  private totalFrames = 0;

  constructor(private readonly maxRecords = 1000) {}

  playFile(file: string, at: number): void {
    this.add({ kind: 'file', file, at });
  }

  pushSamples(samples: Float32Array, sampleRate: number, channels: number, at: number): void {
    let sum = 0;
    for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    const frames = Math.floor(samples.length / channels);
    this.totalFrames += frames;
    this.add({ kind: 'samples', sampleRate, channels, frames, rms: samples.length ? Math.sqrt(sum / samples.length) : 0, at });
  }

  history(): SpeakerRecord[] {
    return [...this.records];
  }

  framesReceived(): number {
    return this.totalFrames;
  }

  private add(r: SpeakerRecord): void {
    this.records.push(r);
    if (this.records.length > this.maxRecords) this.records.splice(0, this.records.length - this.maxRecords);
  }
}
