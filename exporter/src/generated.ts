/**
 * Generated files (alerts/, provisioning/, headroom.schema.json, docs/metrics.md): one header, one
 * YAML dump, one way to write them and one `--check` that says which files differ and where.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

/** Relative path → contents. */
export type GeneratedFiles = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

const entries = (files: GeneratedFiles): [string, string][] =>
  files instanceof Map ? [...files] : Object.entries(files);

/** `# line` comments, one per line, as the first lines of a YAML file. */
export const yamlHeader = (...lines: string[]): string => lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';

/** YAML as every generated file writes it: no line folding, no anchors, keys in order; alerts/ quotes with ', provisioning/ with ". */
export const toYaml = (doc: unknown, quote: "'" | '"' = '"'): string =>
  yaml.dump(doc, { lineWidth: -1, noRefs: true, quotingType: quote, sortKeys: false });

/** JSON as every generated file writes it: two-space indent and a final newline. */
export const toJson = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

export function writeGenerated(outDir: string, files: GeneratedFiles): string[] {
  return entries(files).map(([rel, text]) => {
    const file = path.join(outDir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return rel;
  });
}

export interface StaleFile {
  file: string;
  /** The first line that differs, with both versions, or "missing". */
  diff: string;
}

function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i === -1 ? a.length : i;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? '<end of file>')}, generated ${JSON.stringify(b[at] ?? '<end of file>')}`;
}

/** Files of `outDir` that are missing or differ from `files`. */
export function staleGenerated(outDir: string, files: GeneratedFiles): StaleFile[] {
  return entries(files).flatMap(([rel, text]) => {
    const file = path.join(outDir, rel);
    if (!existsSync(file)) return [{ file, diff: 'missing' }];
    const committed = readFileSync(file, 'utf8');
    return committed === text ? [] : [{ file, diff: firstDifference(committed, text) }];
  });
}
