// The lowest Node that every dependency accepts (vite, eslint and rolldown want ^20.19 or >=22.12): checked
// before anything else is imported, so an older Node gets one clear line instead of a syntax or loader error.
export const NODE_RANGE = '^20.19.0 || >=22.12.0';

/** null when `version` (e.g. "20.19.2") is inside NODE_RANGE, else the line to print. */
export function nodeVersionProblem(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  const ok = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
  return ok ? null : `reachy-console: Node ${version} is too old; this package needs Node ${NODE_RANGE} (package.json "engines")`;
}

const problem = nodeVersionProblem();
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
