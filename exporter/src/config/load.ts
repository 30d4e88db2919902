import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { z } from 'zod';
import { policySchema, type Policy } from './schema.js';
import { semanticProblems, type Problem } from './semantic.js';
import { fleetIssues, fleetProblems } from './fleet.js';
import { formatPath } from './paths.js';
import { describeValue, typeWord } from '../format.js';

export { formatPath };

/** A policy that cannot be used. `problems` are one line each: `file: path: expected …, got …`. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problems: string[],
    /** Warnings found in the same pass (printed by `check` beside the errors). */
    readonly warnings: string[] = []
  ) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

function formatIssue(file: string, issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  const got = 'input' in issue ? describeValue(issue.input) : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return `${file}: ${path}: expected ${typeWord(issue.expected)}, got ${got}`;
    case 'unrecognized_keys':
      return `${file}: ${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      return `${file}: ${path}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
    case 'too_big': {
      const msg = issue.message.replace(/^Too (small|big): /, '');
      return `${file}: ${path}: ${msg}, got ${got}`;
    }
    case 'invalid_union': {
      const disc = /^Invalid discriminator value\. Expected (.*)$/.exec(issue.message);
      if (disc) {
        const key = issue.path[issue.path.length - 1];
        const input = issue.input as Record<string, unknown> | undefined;
        const options = disc[1]
          .split(' | ')
          .map((o) => `"${o.replace(/^'|'$/g, '')}"`)
          .join(', ');
        return `${file}: ${path}: expected one of ${options}, got ${describeValue(input && typeof input === 'object' ? input[String(key)] : input)}`;
      }
      // A discriminated union with a known discriminator reports the inner issues.
      const inner = issue.errors.flat();
      if (inner.length > 0 && issue.errors.length === 1)
        return formatIssue(file, { ...inner[0], path: [...issue.path, ...inner[0].path] });
      return `${file}: ${path}: ${issue.message.replace(/^Invalid input: /, '')}, got ${got}`;
    }
    default: {
      const msg = issue.message.replace(/^Invalid input: /, '').replace(/^Invalid (string|option): /, '');
      return `${file}: ${path}: ${msg}${got !== undefined ? `, got ${got}` : ''}`;
    }
  }
}

function formatProblem(file: string, p: Problem): string {
  if (p.severity === 'warning') return `${file}: ${formatPath(p.path)}: warning: ${p.message}`;
  return `${file}: ${formatPath(p.path)}: ${p.message}, got ${describeValue(p.input)}`;
}

export interface Validated {
  policy: Policy;
  /** Problems that do not stop the policy from being used, one line each. */
  warnings: string[];
}

/**
 * Validate an already parsed document in one pass: the schema (types, ranges, unknown keys, time
 * zones, crons) and the cross-field checks (semantic.ts) both run on the whole document, so every
 * problem is reported at once. Throws ConfigError naming every error.
 */
export function validatePolicyWithWarnings(doc: unknown, file = 'headroom.yml'): Validated {
  const r = policySchema.safeParse(doc, { reportInput: true });
  const found = [...semanticProblems(doc), ...fleetProblems(doc)];
  const fleet = fleetIssues(doc);
  const errors = [
    ...(r.success ? [] : r.error.issues.map((i) => formatIssue(file, i))),
    ...fleet.map((i) => formatIssue(file, i)),
    ...found.filter((p) => p.severity === 'error').map((p) => formatProblem(file, p)),
  ];
  const warnings = found.filter((p) => p.severity === 'warning').map((p) => formatProblem(file, p));
  if (!r.success || errors.length > 0) throw new ConfigError(file, [...new Set(errors)], warnings);
  return { policy: r.data, warnings };
}

export function validatePolicy(doc: unknown, file = 'headroom.yml'): Policy {
  return validatePolicyWithWarnings(doc, file).policy;
}

function parseYaml(text: string, file: string): unknown {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (e) {
    const err = e as yaml.YAMLException;
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '(root)';
    throw new ConfigError(file, [`${file}: ${where}: expected valid YAML (${err.reason ?? err.message})`]);
  }
  if (doc === undefined || doc === null)
    throw new ConfigError(file, [`${file}: (root): expected an object with "services" or "fleets", got an empty file`]);
  return doc;
}

export function parsePolicyWithWarnings(text: string, file = 'headroom.yml'): Validated {
  return validatePolicyWithWarnings(parseYaml(text, file), file);
}

export function parsePolicy(text: string, file = 'headroom.yml'): Policy {
  return parsePolicyWithWarnings(text, file).policy;
}

function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [
      `${file}: cannot read the policy file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    ]);
  }
}

export function loadPolicyWithWarnings(file: string): Validated {
  return parsePolicyWithWarnings(readPolicyFile(file), file);
}

export function loadPolicy(file: string): Policy {
  return loadPolicyWithWarnings(file).policy;
}

/** JSON Schema of headroom.yml (input side: defaults are optional), for editors. */
export function policyJsonSchema(): object {
  const schema = z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://headroom.dev/schema/headroom.schema.json',
    title: 'Headroom policy (headroom.yml)',
    description: 'Generated by `headroom schema` from exporter/src/config/schema.ts. Do not edit.',
  };
}
