/**
 * `npm run deploy -w @headroom/demo [-- repo root]`: writes deploy/ (the docker-compose stack's policy
 * and Prometheus config) from headroom.yml; a test regenerates and diffs them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGenerated } from '@headroom/exporter/generated';
import { buildDeployFiles } from '../deploy.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = process.argv[2] ?? ROOT;
const files = buildDeployFiles(readFileSync(path.join(root, 'headroom.yml'), 'utf8'));
for (const rel of writeGenerated(root, files)) process.stdout.write(`wrote ${rel}\n`);
