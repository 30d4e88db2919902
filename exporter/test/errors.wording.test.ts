import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, validatePolicy } from '../src/config/load.js';
import { describeValue } from '../src/format.js';
import { parsePayload, PayloadError } from '../src/scaler/payload.js';
import { amPayload } from './scaler-fixtures/support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = () => yaml.load(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')) as any;
const LONG = 'x'.repeat(100);

// Both read a number: limits.min of a policy and truncatedAlerts of an Alertmanager notification.

/** The "got …" of the one error a policy with `services[0].scaling.limits.min: value` gets. */
function configGot(value: unknown): string {
  const doc = example();
  doc.services[0].scaling.limits.min = value;
  try {
    validatePolicy(doc);
  } catch (e) {
    const [problem] = (e as ConfigError).problems.filter((p) => p.includes('limits.min:'));
    return /, got (.*)$/.exec(problem)![1];
  }
  throw new Error('the policy was accepted');
}

/** The "got …" of the error a webhook body with `truncatedAlerts: value` gets. */
function webhookGot(value: unknown): string {
  try {
    parsePayload({ ...amPayload(), truncatedAlerts: value });
  } catch (e) {
    return /, got (.*)$/.exec((e as PayloadError).message)![1];
  }
  throw new Error('the payload was accepted');
}

describe('a value read from outside is named the same in every error', () => {
  it.each([
    ['absent', undefined, 'nothing'],
    ['null', null, 'null'],
    ['a string', 'seventy', '"seventy"'],
    ['a long string, cut at 80 characters', LONG, JSON.stringify(`${'x'.repeat(77)}...`)],
    ['a number', 5, '5'],
    ['a boolean', true, 'true'],
    ['an array', [1, 2], 'an array'],
    ['an object', { a: 1 }, 'an object'],
  ])('names %s as %s', (_, value, wording) => {
    expect(describeValue(value)).toBe(wording);
  });

  it('names a type the same on both sides of "got": a config error expects an object where it got an array', () => {
    const doc = example();
    doc.services[0].scaling.limits = [1];
    expect(() => validatePolicy(doc)).toThrow(
      'headroom.yml: services[0].scaling.limits: expected an object, got an array'
    );
    expect(() => parsePayload({ ...amPayload(), alerts: [[]] })).toThrow('alerts[0]: expected an object, got an array');
  });

  it.each([
    ['null', null],
    ['a string', 'seventy'],
    ['a boolean', true],
    ['an array', [1, 2]],
    ['an object', { a: 1 }],
    ['a long string', LONG],
  ])('words %s identically in a config error and in a webhook error', (_, value) => {
    expect(configGot(value)).toBe(describeValue(value));
    expect(webhookGot(value)).toBe(describeValue(value));
  });
});
