/**
 * A small static file server for a viewer folder on localhost: GET/HEAD only, paths kept inside the folder, the
 * content types the page needs, no caching (a rebuilt viewer is seen on reload), and the cross-origin isolation
 * headers (COOP/COEP) that let tfjs's wasm backend use threads when webgl is missing.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.mp4': 'video/mp4',
};

/** A running server. */
export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** The file under `root` a request path names, or undefined when it leaves the folder or does not exist. */
export function resolveRequestPath(root: string, requestUrl: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl, 'http://localhost').pathname);
  } catch {
    return undefined;
  }
  const file = path.resolve(root, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

/** Serves `root` on `host:port` (port 0: any free one). */
export function serveFolder(root: string, options: { host?: string; port?: number } = {}): Promise<StaticServer> {
  const folder = path.resolve(root);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const file = resolveRequestPath(folder, request.url ?? '/');
    if (!file) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${request.url}\n`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
        server,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
