// The small static server the browser tests and the browser bench load pages from.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves folders read-only: `mounts` maps a URL prefix ending in `/` to an absolute folder (the
 * longest prefix wins), and a prefix itself is its folder's index.html. Files only, nothing
 * outside a folder (403). `pages` maps exact paths to HTML served from memory.
 */
export function serveStatic(mounts, pages = {}) {
  const ordered = Object.entries(mounts).sort(([a], [b]) => b.length - a.length);
  return createServer(async (request, response) => {
    try {
      const pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
      if (pathname in pages) {
        response.writeHead(200, { 'Content-Type': MIME['.html'], 'Cache-Control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : pages[pathname]);
        return;
      }
      const mount = ordered.find(([prefix]) => pathname.startsWith(prefix));
      if (!mount) throw new Error('not served');
      const [prefix, root] = mount;
      const file = path.resolve(root, pathname.slice(prefix.length) || 'index.html');
      if (file !== root && !file.startsWith(root + path.sep)) {
        response.writeHead(403).end();
        return;
      }
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      response.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
}
