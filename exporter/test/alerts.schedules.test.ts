/**
 * Schedules in any time zone become alert rules: the local time is computed in PromQL from the
 * zone's rule (standard and daylight offsets, the n-th or last weekday of the change), and the
 * generated promtool tests cross a change to daylight saving time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, runCli } from './helpers.js';
import { exec, tempDir } from './support/processes.js';
import { parsePolicy } from '../src/config/load.js';
import { unsupportedSchedules } from '../src/alerts/rules.js';
import type { TestFile } from '../src/alerts/promtool-tests.js';
import { offsetAt, offsetByRule, zoneRule, type ZoneRule } from '../src/alerts/zone.js';

const tmp = tempDir('alerts-zones');
afterAll(() => exec('rm', ['-rf', tmp]));

function zonedPolicyText(schedules: object[]): string {
  const doc = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as any;
  doc.services[0].scaling.schedules = schedules;
  return yaml.dump(doc);
}

describe('a time zone as a PromQL rule', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Europe/London', 'Asia/Kolkata'])(
    'reproduces the offsets of %s every 30 minutes of 2026 and 2031',
    (zone) => {
      const rule = zoneRule(zone) as ZoneRule;
      expect(typeof rule).toBe('object');
      const wrong: string[] = [];
      for (const year of [2026, 2031]) {
        for (let t = Date.UTC(year, 0, 1) / 1000; t < Date.UTC(year + 1, 0, 1) / 1000; t += 1800) {
          if (offsetByRule(rule, t) !== offsetAt(zone, t)) wrong.push(new Date(t * 1000).toISOString());
        }
      }
      expect(wrong).toEqual([]);
    }
  );

  it('reads the EU rule for Europe/Berlin: +1 h, +2 h from the last Sunday of March to the last Sunday of October, 02:00 standard time', () => {
    expect(zoneRule('Europe/Berlin')).toEqual({
      zone: 'Europe/Berlin',
      standard: 60,
      daylight: {
        offset: 120,
        start: { month: 3, weekday: 0, week: 'last', minute: 120 },
        end: { month: 10, weekday: 0, week: 'last', minute: 120 },
      },
    });
  });

  it('reports a zone without a weekday rule as unsupported, and `headroom rules` warns about its schedule', () => {
    expect(zoneRule('Africa/Casablanca')).toBe(
      'time zone Africa/Casablanca does not change its offset exactly twice every year from 2025 to 2035'
    );
    const policy = parsePolicy(
      zonedPolicyText([{ name: 'morning', cron: '0 8 * * *', timezone: 'Africa/Casablanca', desired: 4, min: 2 }])
    );
    expect(unsupportedSchedules(policy)).toEqual([
      "services[0].scaling.schedules[0] (morning): no rule generated: time zone Africa/Casablanca does not change its offset exactly twice every year from 2025 to 2035; the exporter's decision still applies it when the scaler is called",
    ]);
  });
});

describe('a Europe/Berlin schedule', () => {
  const dir = path.join(tmp, 'berlin');
  const schedules = [
    { name: 'business_hours', cron: '0 8 * * *', timezone: 'Europe/Berlin', desired: 4, min: 2 },
    { name: 'off_peak', cron: '30 22 * * *', timezone: 'Asia/Kolkata', desired: 2, min: 2 },
  ];

  it('gets a rule on its local time, and promtool tests that pass across the change to summer time', async () => {
    const file = path.join(tmp, 'berlin.yml');
    writeFileSync(file, zonedPolicyText(schedules));
    const r = await runCli(['rules', '--config', file, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const rules = (yaml.load(readFileSync(path.join(dir, 'scaling.rules.yml'), 'utf8')) as any).groups[0]
      .rules as any[];
    const local = rules
      .filter((x) => x.record === 'timezone:headroom_local_minute_of_day:minutes')
      .map((x) => x.labels);
    expect(local).toEqual([
      { service: 'terminal', timezone: 'Europe/Berlin' },
      { service: 'terminal', timezone: 'Asia/Kolkata' },
    ]);
    const daylight = yaml.load(readFileSync(path.join(dir, 'tests', 'schedules-1h.test.yml'), 'utf8')) as TestFile;
    expect(daylight.tests.map((t) => t.name)).toEqual([
      'HeadroomScheduledScaling terminal/schedule_business_hours: follows Europe/Berlin into daylight saving time: fires scale_out at 1970-03-28 07:00 UTC (8h, UTC+1h) and at 1970-03-29 06:00 UTC (8h, UTC+2h), not at 1970-03-29 07:00 UTC',
    ]);
    const scaling = yaml.load(readFileSync(path.join(dir, 'tests', 'scaling.test.yml'), 'utf8')) as TestFile;
    expect(scaling.tests.map((t) => t.name).filter((n) => n.includes('schedule_'))).toContain(
      'HeadroomScheduledScaling terminal/schedule_off_peak: fires scale_in at 22h30m Asia/Kolkata (17h UTC) + 5m when 3 instances run and 2 are scheduled'
    );
    // The schedule cases only (the trigger cases of the example policy are tested with alerts/).
    writeFileSync(
      path.join(dir, 'tests', 'zones.test.yml'),
      yaml.dump({ ...scaling, tests: scaling.tests.filter((x) => x.name.includes('schedule_')) })
    );
    const t = await exec('promtool', ['test', 'rules', 'zones.test.yml', 'schedules-1h.test.yml'], {
      cwd: path.join(dir, 'tests'),
      timeout: 120_000,
    });
    expect(t.stdout + t.stderr).toContain('SUCCESS');
  }, 150_000);
});
