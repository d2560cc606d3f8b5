// The B1/B2 floor: a bare nats.js responder in its own process (as the driver is), answering JSON-RPC requests on
// the given subjects with replies of a fixed size (the size the real driver's reply has), and nothing else. Every
// floor connection uses noAsyncTraces, as the product's connections do, so the floor is nats.js at its fastest.
// Usage: node floor-responder.mjs <nats-url> <subject>=<reply bytes without the id> ...
import { TextEncoder } from 'node:util';
import { connect } from '@nats-io/transport-node';

const [url, ...specs] = process.argv.slice(2);
const nc = await connect({ servers: url, noAsyncTraces: true });
const enc = new TextEncoder();
for (const spec of specs) {
  const [subject, bytesText] = spec.split('=');
  const bytes = Number(bytesText);
  const head = '{"jsonrpc":"2.0","id":';
  const mid = ',"result":"';
  const tail = '"}';
  const pad = 'x'.repeat(Math.max(0, bytes - head.length - mid.length - tail.length));
  nc.subscribe(subject, {
    callback: (_err, msg) => {
      const req = JSON.parse(msg.string());
      msg.respond(enc.encode(head + JSON.stringify(req.id) + mid + pad + tail));
    },
  });
}
await nc.flush();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void nc.close().then(() => process.exit(0)));
