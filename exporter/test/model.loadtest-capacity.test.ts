import { describe, expect, it } from 'vitest';
import { analyzeLoadTest } from '../src/model/loadtest.js';
import { bufferInstances, capacityRequirements, proportionalTarget, resourceHeadroom } from '../src/model/capacity.js';
import { exampleService } from './helpers.js';

const svc = exampleService();

describe('load-test analysis of the seed baseline curve', () => {
  it('finds optimal 50, warning 150, critical 150 and maximum 250 users', () => {
    const t = analyzeLoadTest(svc.capacity.loadtest!);
    expect({ optimal: t.optimal, warning: t.warning, critical: t.critical, maximum: t.maximum }).toEqual({
      optimal: 50,
      warning: 150,
      critical: 150,
      maximum: 250,
    });
  });

  it('derives scale-out at 120, scale-in at 30 and emergency at 135 users', () => {
    const t = analyzeLoadTest(svc.capacity.loadtest!);
    expect([t.scaleOut, t.scaleIn, t.emergency]).toEqual([120, 30, 135]);
  });

  it('reports the last point when no threshold is ever crossed', () => {
    const flat = { ...svc.capacity.loadtest!, error_percent: svc.capacity.loadtest!.error_percent.map(() => 0) };
    expect(analyzeLoadTest(flat).maximum).toBe(300);
  });
});

describe('capacity requirements at 2 sessions per user (seed TerminalSessionMetrics)', () => {
  it.each([
    { users: 100, cpu: 4, memory: 4, instances: 1 },
    { users: 250, cpu: 10, memory: 8, instances: 3 },
    { users: 500, cpu: 20, memory: 16, instances: 5 },
    { users: 1000, cpu: 40, memory: 31, instances: 10 },
    { users: 1500, cpu: 60, memory: 47, instances: 15 },
  ])('$users users need $cpu cores, $memory GB and $instances instances', ({ users, cpu, memory, instances }) => {
    const r = capacityRequirements(svc.capacity, users)!;
    expect([r.cpuCores, r.memoryGb, r.instances]).toEqual([cpu, memory, instances]);
    expect(r.totalSessions).toBe(users * 2);
  });
});

describe('buffer instances', () => {
  it.each([
    { required: 0, buffer: 0 },
    { required: 1, buffer: 1 },
    { required: 5, buffer: 1 },
    { required: 6, buffer: 2 },
    { required: 10, buffer: 2 },
    { required: 11, buffer: 3 },
  ])('rounds 20 % of $required up to $buffer, never below one', ({ required, buffer }) => {
    expect(bufferInstances(svc.capacity, required)).toBe(buffer);
  });
});

describe('utilization-proportional target', () => {
  it.each([
    { current: 4, observed: 90, target: 60, expected: 6 },
    { current: 4, observed: 60, target: 60, expected: 4 },
    { current: 3, observed: 61, target: 60, expected: 4 },
    { current: 10, observed: 30, target: 60, expected: 5 },
  ])('ceil($current × $observed / $target) = $expected', ({ current, observed, target, expected }) => {
    expect(proportionalTarget(current, observed, target)).toBe(expected);
  });
});

describe('resource headroom', () => {
  const cpu = svc.capacity.resources[0];
  it('is 1 - used/warning and reports the level', () => {
    expect(resourceHeadroom(cpu, 35)).toMatchObject({ headroom: 0.5, utilization: 0.35, level: 'ok' });
    expect(resourceHeadroom(cpu, 80)).toMatchObject({ headroom: 0, level: 'warning' });
    expect(resourceHeadroom(cpu, 90)).toMatchObject({ level: 'critical' });
  });
  it('is missing, not zero, when the signal is missing', () => {
    expect(resourceHeadroom(cpu, null)).toMatchObject({ headroom: null, utilization: null, level: 'missing' });
  });
});
