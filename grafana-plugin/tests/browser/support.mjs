/**
 * Shared pieces of the browser tests: the static server for the plugin root, the host page bundle
 * (tests/host), headless Debian Chromium on a fresh profile, and opening the panel with options.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.prom': 'text/plain',
  '.map': 'application/json',
};

/** Builds the host page, serves the plugin root on loopback and starts Chromium; `close()` undoes all three. */
export async function startHost(name) {
  // Its own bundle name: node --test runs test files in parallel, and another file builds host.bundle.*.
  const bundle = `${name}.bundle.js`;
  assert.ok(existsSync(path.join(ROOT, 'dist/module.js')), 'dist/module.js is missing: run `npm run build` first');
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
  await build({
    entryPoints: [path.join(ROOT, 'tests/host/host.tsx')],
    outfile: path.join(ROOT, 'tests/host', bundle),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: {
      '.ttf': 'dataurl',
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
      '.gif': 'dataurl',
    },
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const wanted = url.pathname.replace(/^\/tests\/host\/host\.bundle\.(js|css)$/, `/tests/host/${name}.bundle.$1`);
    const file = path.join(ROOT, path.normalize(decodeURIComponent(wanted)));
    if (url.pathname === '/favicon.ico' || url.pathname.includes('/public/fonts/')) {
      return res.writeHead(204).end();
    }
    if (!file.startsWith(ROOT + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  const baseUrl = await new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`))
  );
  const profile = mkdtempSync(path.join(tmpdir(), 'headroom-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30000,
  });
  /** Opens the host page with these panel options (and host parameters) once the panel has rendered. */
  const open = async ({ options, width = 720, height = 380, ...host }) => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: width + 40, height: height + 40 });
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const query = new URLSearchParams({
      width: String(width),
      height: String(height),
      options: JSON.stringify(options),
      ...host,
    });
    await page.goto(`${baseUrl}/tests/host/index.html?${query}`);
    await page.waitForFunction(() => window.headroomReady || window.headroomError, null, { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.headroomError), undefined);
    return { page, errors };
  };
  const close = async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(profile, { recursive: true, force: true });
    for (const ext of ['js', 'css']) {
      rmSync(path.join(ROOT, 'tests/host', `${name}.bundle.${ext}`), { force: true });
    }
  };
  return { open, close };
}
