/**
 * The file tree of the Docker image, built without a Docker engine: the final stage's COPY lines of
 * the Dockerfile are replayed against this checkout. `--from=deps` is what `npm ci --workspace exporter
 * --omit=dev` installs (npm's own list of that tree, copied from the installed node_modules instead of
 * downloading it again), `--from=compile` is the build output (dist/, built by the test setup).
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import { exec } from './processes.js';

/** The COPY instructions of the Dockerfile's last stage: [from stage or undefined, sources, destination]. */
export function finalStageCopies(
  dockerfile = path.join(ROOT, 'Dockerfile')
): { from?: string; sources: string[]; dest: string }[] {
  const lines = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ').split('\n');
  const last = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  return lines
    .slice(last + 1)
    .filter((l) => /^COPY\s/i.test(l))
    .map((l) => {
      const words = l.trim().split(/\s+/).slice(1);
      const from = words[0].startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
      const dest = words.pop()!;
      return { from, sources: words, dest };
    });
}

/** Directories of the exporter's production dependencies, relative to the repository root. */
export async function productionPackages(): Promise<string[]> {
  const { stdout } = await exec('npm', ['ls', '--workspace', 'exporter', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    maxBuffer: 1 << 24,
  });
  return stdout
    .split('\n')
    .map((p) => path.relative(ROOT, p))
    .filter((p) => p.startsWith('node_modules/') && !p.startsWith('node_modules/@headroom/'));
}

const PACKAGE_FILES = [
  'package.json',
  'package-lock.json',
  'packages/contract/package.json',
  'exporter/package.json',
  'demo/package.json',
  'grafana-plugin/package.json',
];
/** Workspace packages npm links into node_modules (`npm ci --workspace exporter` links the exporter's). */
const WORKSPACE_LINKS = { '@headroom/contract': '../../packages/contract', '@headroom/exporter': '../../exporter' };

/** Writes the image's /app into `dir`. */
export async function buildImageTree(dir: string): Promise<void> {
  for (const { from, sources, dest } of finalStageCopies()) {
    if (from === 'deps') {
      for (const f of PACKAGE_FILES) cpSync(path.join(ROOT, f), path.join(dir, f));
      mkdirSync(path.join(dir, 'node_modules/@headroom'), { recursive: true });
      for (const [name, target] of Object.entries(WORKSPACE_LINKS))
        symlinkSync(target, path.join(dir, 'node_modules', name));
      for (const pkg of await productionPackages()) {
        // Nested node_modules are listed (and copied) on their own when they belong to the tree.
        cpSync(path.join(ROOT, pkg), path.join(dir, pkg), {
          recursive: true,
          filter: (src) =>
            src === path.join(ROOT, pkg) ||
            !path.relative(path.join(ROOT, pkg), src).split(path.sep).includes('node_modules'),
        });
      }
      continue;
    }
    for (const src of sources) {
      const rel = from === undefined ? src : path.relative('/app', src);
      const target =
        dest.endsWith('/') || dest === './' ? path.join(dir, dest, path.basename(rel)) : path.join(dir, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(path.join(ROOT, rel), target, { recursive: true });
    }
  }
}
