import { readFileSync } from 'node:fs';

/**
 * The exporter's version, read from its package.json (the one place it is written). The path is the
 * same from src/cli and from the compiled dist/cli.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
