// The B1/B2 floor: a bare nats.js responder in its own process (as the driver is), answering JSON-RPC requests on
// the given subjects and doing nothing else. A reply is either the real driver's own reply, captured once, with the
// request's id put in (`<subject>=reply:<base64 of the reply>:<base64 of the id it was captured with>`), so the
// client decodes exactly what it decodes from the driver; or a string padded to a size (`<subject>=<bytes>`). Every
// floor connection uses noAsyncTraces, as the product's connections do, so the floor is nats.js at its fastest.
// Usage: node floor-responder.mjs <nats-url> <subject>=<spec> ...
import { Buffer } from 'node:buffer';
import { TextEncoder } from 'node:util';
import { connect } from '@nats-io/transport-node';

const [url, ...specs] = process.argv.slice(2);
const nc = await connect({ servers: url, noAsyncTraces: true });
const enc = new TextEncoder();
for (const spec of specs) {
  const eq = spec.indexOf('='); // base64 ends in '=' too: split at the first one
  const subject = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  let head;
  let tail;
  if (value.startsWith('reply:')) {
    const [, reply64, id64] = value.split(':');
    const reply = Buffer.from(reply64, 'base64').toString('utf8');
    const id = JSON.stringify(Buffer.from(id64, 'base64').toString('utf8'));
    const at = reply.indexOf(id);
    if (at < 0) throw new Error(`the captured reply for ${subject} does not contain its id ${id}`);
    head = reply.slice(0, at);
    tail = reply.slice(at + id.length);
  } else {
    const bytes = Number(value);
    const pre = '{"jsonrpc":"2.0","id":';
    const mid = ',"result":"';
    const end = '"}';
    head = pre;
    tail = mid + 'x'.repeat(Math.max(0, bytes - pre.length - mid.length - end.length)) + end;
  }
  nc.subscribe(subject, {
    callback: (_err, msg) => {
      const req = JSON.parse(msg.string());
      msg.respond(enc.encode(head + JSON.stringify(req.id) + tail));
    },
  });
}
await nc.flush();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void nc.close().then(() => process.exit(0)));
