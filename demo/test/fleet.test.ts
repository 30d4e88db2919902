/** The demo fleet: its load model and its HTTP contract (metrics, instances, scale, demand, inbox). */
import { afterEach, describe, expect, it } from 'vitest';
import { interpolate } from '@headroom/exporter/load-curve';
import { FLEET_DEFAULTS, fleetSignals, parseScaleRequest } from '../src/fleet/model.js';
import { startFleet, type Fleet } from '../src/fleet/server.js';

describe('the demo fleet model', () => {
  it.each([
    ['at a curve point', 100, 65],
    ['between two points', 125, 70],
    ['below the first point, towards zero', 5, 7.5],
    ['above the last point, saturated', 400, 98],
  ])('interpolates the seed CPU curve %s', (_name, users, cpu) => {
    expect(interpolate(FLEET_DEFAULTS.curve.users, FLEET_DEFAULTS.curve.cpuPercent, users)).toBeCloseTo(cpu, 6);
  });

  it('lowers every per-instance signal as instances are added (load = demand / instances)', () => {
    const two = fleetSignals(FLEET_DEFAULTS, 480, 2)!;
    const four = fleetSignals(FLEET_DEFAULTS, 480, 4)!;
    expect(two.usersPerInstance).toBe(240);
    expect(four.usersPerInstance).toBe(120);
    for (const k of ['cpuPercent', 'memoryPercent', 'sessionsPerInstance', 'latencyP95Seconds', 'errorRatio'] as const)
      expect(four[k]).toBeLessThan(two[k]);
    expect(four.connectedUsers).toBe(two.connectedUsers);
  });

  it('has no signals without instances (nothing to measure, no invented values)', () => {
    expect(fleetSignals(FLEET_DEFAULTS, 100, 0)).toBeNull();
  });

  it.each([
    [
      'a string target',
      { action: 'scale_out', target_instances: '3' },
      'target_instances: expected an integer from 0 to 10, got "3"',
    ],
    [
      'a target above the maximum',
      { action: 'scale_out', target_instances: 11 },
      'target_instances: expected an integer from 0 to 10, got 11',
    ],
    ['no action', { target_instances: 3 }, 'action: expected a string, got undefined'],
  ])('rejects a scale request with %s', (_name, body, error) => {
    expect(parseScaleRequest(body, 10)).toEqual({ ok: false, error });
  });
});

describe('the demo fleet server', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('takes the orchestrator contract on POST /scale and reports the count on GET /instances', async () => {
    let now = 1_000_000;
    fleet = await startFleet({ host: '127.0.0.1', port: 0 }, { instances: 2, users: 480, clock: () => now });
    const post = (p: string, body: unknown, token?: string) =>
      fetch(`${fleet!.url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect(await (await fetch(`${fleet.url}/instances`)).json()).toEqual({ count: 2 });
    const metrics = await (await fetch(`${fleet.url}/metrics`)).text();
    expect(metrics).toContain('demo_fleet_cpu_percent{replica="1"} 93');
    now += 3600;
    const r = await post('/scale', {
      action: 'scale_out',
      target_instances: 4,
      reason: 'cpu_high',
      timestamp: '2026-11-27T12:00:00Z',
    });
    expect(await r.json()).toEqual({ previous: 2, count: 4 });
    expect(fleet.requests()).toEqual([
      {
        action: 'scale_out',
        target_instances: 4,
        reason: 'cpu_high',
        timestamp: '2026-11-27T12:00:00Z',
        previous: 2,
        received_at: now,
      },
    ]);
    // Two instances for an hour at 0.50 an instance-hour.
    expect(fleet.state().spend).toBeCloseTo(1, 9);
    const after = await (await fetch(`${fleet.url}/metrics`)).text();
    expect(after).toContain('demo_fleet_cpu_percent{replica="3"} 69');
    expect(after).toContain('demo_fleet_scale_requests_total{action="scale_out"} 1');
    const bad = await post('/scale', { action: 'scale_out', target_instances: -1 });
    expect(bad.status).toBe(400);
  });

  it('sets the demand and the spend offset on POST /demand, and keeps notifications on POST /inbox', async () => {
    fleet = await startFleet({ host: '127.0.0.1', port: 0 }, { token: 't0ken', clock: () => 0 });
    const post = (p: string, body: unknown, token?: string) =>
      fetch(`${fleet!.url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post('/demand', { users: 10 })).status).toBe(401);
    expect(await (await post('/demand', { users: 40, spend_offset: 1200 }, 't0ken')).json()).toEqual({
      instances: 2,
      users: 40,
      spend: 1200,
    });
    expect(await (await post('/demand', { users: -1 }, 't0ken')).json()).toEqual({
      error: 'users: expected a non-negative number, got -1',
    });
    await post('/inbox', { version: '4', status: 'firing' });
    expect(await (await fetch(`${fleet.url}/inbox`)).json()).toEqual({ items: [{ version: '4', status: 'firing' }] });
  });
});
