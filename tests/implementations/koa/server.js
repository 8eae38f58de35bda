// Koa 3 with @koa/cors and @koa/router, in one correct and several broken configurations.
// Usage: node server.js CONFIG PORT
// ALLOWED_ORIGINS (comma-separated) is the allow-list; default https://app.example.com.
//
// CONFIG `snippet` applies a CORS setup written elsewhere (corsproof's fix, for one): the
// environment variable CORSPROOF_SNIPPET names a file of JavaScript, run as
// `new Function('app', 'require', text)(app, require)` before the routes are mounted, in place of
// this file's own CORS configuration. `require` resolves from this directory (koa, @koa/cors).
'use strict';

const fs = require('fs');
const Koa = require('koa');
const Router = require('@koa/router');
const cors = require('@koa/cors');

const [config = process.env.CONFIG, port = process.env.PORT] = process.argv.slice(2);
const allowedOrigins = (process.env.ALLOWED_ORIGINS || 'https://app.example.com')
  .split(',')
  .map((origin) => origin.trim())
  .filter(Boolean);

const common = {
  allowMethods: ['GET', 'PUT', 'DELETE'],
  allowHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id'],
  maxAge: 600,
};

// The request's Origin when it is on the allow-list; '' makes @koa/cors add nothing at all.
const allowListed = (ctx) => (allowedOrigins.includes(ctx.get('Origin')) ? ctx.get('Origin') : '');

const router = new Router();
router.get('/api/items', (ctx) => {
  ctx.set('X-Request-Id', 'items-1');
  ctx.cookies.set('session', 'abc', { httpOnly: true });
  ctx.body = { items: [] };
});
router.put('/api/items/1', (ctx) => {
  ctx.set('X-Request-Id', 'items-2');
  ctx.body = { id: 1 };
});
router.get('/api/error', () => {
  throw new Error('boom');
});

const mountRoutes = (app) => app.use(router.routes()).use(router.allowedMethods());

// Each configuration adds its CORS handling and mounts the routes.
const configurations = {
  // An allow-list function, credentials; errors keep the headers (keepHeadersOnError, the default).
  correct(app) {
    app.use(cors({ ...common, origin: allowListed, credentials: true }));
    mountRoutes(app);
  },
  // `credentials: true` without `origin`: @koa/cors 5 defaults origin to '*' and, with
  // credentials, replaces '*' by the request's Origin, whatever it is (index.js:
  // `if (credentials && origin === '*') origin = requestOrigin`). Discussed in koajs/cors#93
  // ("The default CORS configuration poses a security risk"); before 5.0 the default origin was
  // the request's Origin outright (koajs/cors#49).
  'credentials-default-origin'(app) {
    app.use(cors({ ...common, credentials: true }));
    mountRoutes(app);
  },
  // cors() after the router, as in koajs/cors#62 ("Header not set on error response"): a
  // matched route never calls next(), so GET and PUT answers carry no CORS headers at all. The
  // preflight, which no route matches, still reaches cors() and looks fine.
  'cors-after-router'(app) {
    mountRoutes(app);
    app.use(cors({ ...common, origin: allowListed, credentials: true }));
  },
  // The fix under test, from the file named by CORSPROOF_SNIPPET.
  snippet(app) {
    const file = process.env.CORSPROOF_SNIPPET;
    if (!file) {
      console.error('snippet: set CORSPROOF_SNIPPET to the file holding the CORS setup');
      process.exit(2);
    }
    new Function('app', 'require', fs.readFileSync(file, 'utf8'))(app, require);
    mountRoutes(app);
  },
};

const configure = configurations[config];
if (!configure || !/^\d+$/.test(port || '')) {
  console.error(`usage: node server.js CONFIG PORT (CONFIG: ${Object.keys(configurations).join(', ')})`);
  process.exit(2);
}

const app = new Koa();
// Koa logs every thrown error to stderr; the 500 of /api/error is expected.
app.silent = true;
configure(app);
app.listen(Number(port), '127.0.0.1', () => {
  console.error(`koa ${config} listening on http://127.0.0.1:${port}`);
});
