/**
 * Reads a recording back the way the acceptance criteria ask: every schema compiles as JSON Schema, every message
 * validates against its channel's schema, camera frames decode as JPEG, log times are monotonic per channel.
 */
import { Ajv } from 'ajv';
import sharp from 'sharp';
import { readMcapStreamed, type StreamedRecords } from '../../src/main/record/mcap-file';
import { errorMessage } from '../../src/shared/errors';

export interface CheckedMessage {
  topic: string;
  logTime: bigint;
  value: Record<string, unknown>;
}

export interface CheckedRecording {
  records: StreamedRecords;
  messages: CheckedMessage[];
  byTopic: Map<string, CheckedMessage[]>;
  problems: string[];
  jpegFrames: number;
}

export async function checkRecording(path: string, opts: { decodeFrames?: number } = {}): Promise<CheckedRecording> {
  const records = await readMcapStreamed(path, { ours: true });
  const ajv = new Ajv({ strict: false, allErrors: true });
  const problems: string[] = [];
  const validators = new Map<number, ReturnType<Ajv['compile']>>();
  for (const s of records.schemas.values()) {
    if (s.encoding !== 'jsonschema') problems.push(`schema ${s.name}: encoding ${s.encoding}`);
    try {
      validators.set(s.id, ajv.compile(JSON.parse(new TextDecoder().decode(s.data)) as object));
    } catch (err) {
      problems.push(`schema ${s.name} does not compile: ${errorMessage(err)}`);
    }
  }
  const messages: CheckedMessage[] = [];
  const byTopic = new Map<string, CheckedMessage[]>();
  const last = new Map<number, bigint>();
  let jpegFrames = 0;
  const frameBudget = opts.decodeFrames ?? 5;
  for (const m of records.messages) {
    const ch = records.channels.get(m.channelId);
    if (!ch) {
      problems.push(`message on unknown channel ${m.channelId}`);
      continue;
    }
    if (ch.messageEncoding !== 'json') problems.push(`${ch.topic}: encoding ${ch.messageEncoding}`);
    const value = JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
    const validate = validators.get(ch.schemaId);
    if (!validate) problems.push(`${ch.topic}: no schema`);
    else if (!validate(value)) problems.push(`${ch.topic}: ${ajv.errorsText(validate.errors)}`);
    const prev = last.get(m.channelId);
    if (prev !== undefined && m.logTime < prev) problems.push(`${ch.topic}: log time went backwards`);
    last.set(m.channelId, m.logTime);
    if (ch.topic.endsWith('/camera') && jpegFrames < frameBudget) {
      const meta = await sharp(Buffer.from(String(value.data), 'base64')).metadata();
      if (meta.format !== 'jpeg' || !meta.width) problems.push(`${ch.topic}: frame is not a JPEG`);
      else jpegFrames++;
    }
    const cm = { topic: ch.topic, logTime: m.logTime, value };
    messages.push(cm);
    const list = byTopic.get(ch.topic) ?? [];
    list.push(cm);
    byTopic.set(ch.topic, list);
  }
  return { records, messages, byTopic, problems, jpegFrames };
}
