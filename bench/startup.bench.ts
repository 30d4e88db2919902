/**
 * Start-up of the `headroom` command (the compiled CLI, as installed): `headroom --version` and
 * `headroom check` as new processes, beside a bare `node -e 0` measured in the same run (the floor).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { median, ROOT, wallMs, type Figure } from './common.js';

const exec = promisify(execFile);
const BIN = path.join(ROOT, 'exporter/bin/headroom.js');

async function startMs(args: string[], runs: number): Promise<number> {
  await exec(process.execPath, args, { cwd: ROOT }); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await wallMs(() => exec(process.execPath, args, { cwd: ROOT })));
  return median(times);
}

export async function run(runs = 11): Promise<Figure[]> {
  const floor = await startMs(['-e', '0'], runs);
  const version = await startMs([BIN, '--version'], runs);
  const check = await startMs([BIN, 'check', 'headroom.yml'], runs);
  return [
    { name: 'startup: node -e 0', value: floor, unit: 'ms wall' },
    {
      name: 'startup: headroom --version',
      value: version,
      unit: 'ms wall',
      floor,
      ratio: version / floor,
      goal: '≤ 300 ms',
      met: version <= 300,
    },
    { name: 'startup: headroom check headroom.yml', value: check, unit: 'ms wall', floor, ratio: check / floor },
  ];
}
