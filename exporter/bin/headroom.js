#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build -w exporter`, which `npm ci` runs as `prepare`
// and `npm start` runs first). No TypeScript loader at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    `headroom: ${entry.pathname} is missing; build it with \`npm run build -w exporter\` (or \`npm ci\`, which builds it)\n`
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
