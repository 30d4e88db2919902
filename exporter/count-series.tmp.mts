import { startServe } from './src/server/index.js';
import { captureLogger } from './test/support/serve.js';
const log = captureLogger();
const serve = await startServe({ configFile: process.argv[2] ?? '../headroom.yml', listen: '127.0.0.1:0', logger: log.logger, version: 'test', scalerFactory: null });
await new Promise(r => setTimeout(r, 4000));
const text = await (await fetch(`${serve.url}/metrics`)).text();
const counts = new Map<string, number>();
for (const l of text.split('\n')) { if (!l.startsWith('headroom_')) continue; const n = l.split(/[{ ]/)[0]; counts.set(n, (counts.get(n) ?? 0) + 1); }
const svc = text.split('\n').filter(l => l.startsWith('headroom_') && l.includes('service="terminal"')).length;
console.log('total headroom', [...counts.values()].reduce((a,b)=>a+b,0), 'service=terminal', svc);
console.log(text.split('\n').filter(l => l.startsWith('headroom_series')).join('\n'));
console.log(log.text().split('\n').filter(l=>l.includes('series budget')).join('\n'));
await serve.close(); process.exit(0);
