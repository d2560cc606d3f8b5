/** The Node check at start: the range it enforces is package.json's engines, and it names the Node it found. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_RANGE, nodeVersionProblem } from '../../../bin/check-node.mjs';

const root = join(__dirname, '..', '..', '..');

describe('Node version check', () => {
  it('enforces exactly the engines range of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(NODE_RANGE);
  });

  it('accepts 20.19+, 22.12+ and newer majors, and refuses older ones with one clear line', () => {
    for (const ok of ['20.19.0', '20.20.2', '22.12.0', '24.1.0']) expect(nodeVersionProblem(ok)).toBeNull();
    for (const bad of ['18.20.0', '20.11.1', '21.7.0', '22.11.0']) {
      const msg = nodeVersionProblem(bad) as string;
      expect(msg).toContain(`Node ${bad} is too old`);
      expect(msg).toContain('^20.19.0 || >=22.12.0');
      expect(msg).not.toContain('\n');
    }
  });
});
