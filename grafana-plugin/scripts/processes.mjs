/**
 * What the recording scripts share: free loopback ports, waiting for a /-/ready endpoint, and
 * starting and stopping real processes (the Headroom exporter, Prometheus) with their output kept
 * for the error message.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PLUGIN_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(PLUGIN_ROOT, '..');
/** The `headroom` bin of the exporter workspace (what `npx headroom` runs), started directly so the process we stop is the exporter itself. */
export const HEADROOM_BIN = path.join(REPO, 'exporter/bin/headroom.js');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `command`; `.output()` is what it printed, `.stop()` ends it (SIGTERM, then SIGKILL after 10 s). */
export function launch(command, args, { env = {}, cwd = REPO } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.on('error', (error) => (output += `\n${error.message}`));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    },
  };
}

/** Polls `${base}/-/ready` until it answers 200, failing early when the process exits. */
export async function waitReady(base, proc, deadlineMs = 90000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(
        `${base}: the process exited with code ${proc.child.exitCode} before it was ready:\n${proc.output().slice(-2000)}`
      );
    }
    const ok = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) {
      return;
    }
    await sleep(250);
  }
  throw new Error(`${base}/-/ready did not answer 200 within ${deadlineMs / 1000} s:\n${proc.output().slice(-2000)}`);
}
