import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../src/config/schema.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXPORTER = path.resolve(HERE, '../..');

export interface Replica {
  url: string;
  proc: ChildProcess;
  logs: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
}

/** Starts test/scaler-fixtures/replica.ts in a separate Node process. */
export async function startReplica(
  policy: Policy,
  dir: string,
  name: string,
  env: Record<string, string> = {}
): Promise<Replica> {
  const file = path.join(dir, `${name}.policy.json`);
  writeFileSync(file, JSON.stringify(policy));
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'replica.ts'), file], {
    cwd: EXPORTER,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal }))
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`replica ${name} did not start in 20 s:\n${log}`)), 20_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /LISTENING (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(t);
      reject(new Error(`replica ${name} exited before listening:\n${log}`));
    });
  });
  return {
    url,
    proc,
    logs: () => log,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
