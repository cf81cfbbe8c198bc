#!/usr/bin/env node
// A small static server for the demo page (make demo): the repository's
// web/, wasm-build/ and Chart.js's browser builds, on 127.0.0.1 only.
// PORT overrides 8080 (0 picks a free port). No dependencies.
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// URL prefixes served, each from the same path under the repository.
const SERVED = ['/web/', '/wasm-build/', '/node_modules/chart.js/dist/'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

function send(res, code, text) {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  let path;
  try {
    path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
  } catch {
    return send(res, 400, 'bad request\n');
  }
  if (path === '/' || path === '/index.html') path = '/web/index.html';
  if (path === '/favicon.ico') path = '/web/favicon.svg';
  const clean = normalize(path).split(sep).join('/');
  if (clean.includes('\0') || !SERVED.some((p) => clean.startsWith(p))) return send(res, 404, `not found: ${path}\n`);
  const file = join(ROOT, clean);
  let st;
  try {
    st = await stat(file);
  } catch {
    return send(res, 404, `not found: ${path}\n`);
  }
  if (!st.isFile()) return send(res, 404, `not found: ${path}\n`);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': st.size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/** Start the server; resolves to { server, url } once it listens. */
export function serve({ port = Number(process.env.PORT ?? 8080), host = '127.0.0.1' } = {}) {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, `${e.message}\n`);
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: p } = server.address();
      resolve({ server, url: `http://${host}:${p}/` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = process.env.PORT === undefined ? 8080 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`server: PORT must be a port number (got '${process.env.PORT}')`);
    process.exit(2);
  }
  try {
    const { url } = await serve({ port });
    console.log(`stackless-wasm demo: ${url}  (Ctrl-C stops)`);
  } catch (e) {
    console.error(`server: ${e.message}`);
    process.exit(1);
  }
}
