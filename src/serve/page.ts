import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The web page's files (web/ at the package root), read once: three fixed routes, no file-system lookups per request. */
const FILES = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/page.js', 'page.js', 'text/javascript; charset=utf-8'],
  ['/page.css', 'page.css', 'text/css; charset=utf-8'],
] as const;

/** Routes of the page; they carry no data, so they stay open with --api-key (the page asks for the key). */
export const PAGE_ROUTES = FILES.map(([route]) => route);

export function registerPage(app: FastifyInstance): void {
  for (const [route, file, type] of FILES) {
    const body = readFileSync(new URL(`../../../web/${file}`, import.meta.url));
    app.get(route, async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
}
