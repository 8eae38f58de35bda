// Express with the `cors` package, the way CORS guides teach it, in one correct and several
// broken configurations, or corsproof's snippet. Usage: node server.js CONFIG PORT
// ALLOWED_ORIGINS (comma-separated) is the allow-list; default https://app.example.com.
'use strict';

const express = require('express');
const cors = require('cors');

const [config = process.env.CONFIG, port = process.env.PORT] = process.argv.slice(2);
const allowedOrigins = (process.env.ALLOWED_ORIGINS || 'https://app.example.com')
  .split(',')
  .map((origin) => origin.trim())
  .filter(Boolean);

const common = {
  methods: ['GET', 'PUT', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
  exposedHeaders: ['X-Request-Id'],
  maxAge: 600,
};

// Each configuration adds its CORS handling to `app` before the routes.
const configurations = {
  // A fix corsproof wrote (`Fix::snippet(Framework::Express)`), from the file CORSPROOF_SNIPPET
  // names: JavaScript statements run with `app` and this server's `require`.
  snippet(app) {
    const text = require('fs').readFileSync(process.env.CORSPROOF_SNIPPET, 'utf8');
    new Function('app', 'require', text)(app, require);
  },
  // An allow-list checked by a function; preflights answered by the middleware (204).
  correct(app) {
    const origin = (requestOrigin, callback) => callback(null, allowedOrigins.includes(requestOrigin));
    app.use(cors({ ...common, origin, credentials: true }));
  },
  // The usual "fix" for `*` with credentials: reflects whatever Origin arrives.
  'reflect-any-origin'(app) {
    app.use(cors({ ...common, origin: true, credentials: true }));
  },
  // `*` and credentials together, which browsers refuse for credentialed requests.
  'wildcard-credentials'(app) {
    app.use(cors({ ...common, origin: '*', credentials: true }));
  },
  // Headers set by hand for GET and PUT only: OPTIONS falls through to Express's own answer.
  'no-options-handler'(app) {
    const byHand = (req, res, next) => {
      if (allowedOrigins.includes(req.headers.origin)) {
        res.set({
          'Access-Control-Allow-Origin': req.headers.origin,
          'Access-Control-Allow-Credentials': 'true',
          'Access-Control-Expose-Headers': 'X-Request-Id',
          Vary: 'Origin',
        });
      }
      next();
    };
    app.get(/.*/, byHand);
    app.put(/.*/, byHand);
  },
  // A session-guarded API: the CORS middleware runs only for requests that carry a `session`
  // cookie, so a cookieless request (and every preflight, which never carries cookies) gets none.
  'cors-needs-session'(app) {
    const origin = (requestOrigin, callback) => callback(null, allowedOrigins.includes(requestOrigin));
    const withCors = cors({ ...common, origin, credentials: true });
    app.use((req, res, next) => {
      const cookies = (req.headers.cookie || '').split(';').map((cookie) => cookie.trim());
      if (cookies.some((cookie) => cookie.startsWith('session='))) {
        withCors(req, res, next);
      } else {
        next();
      }
    });
  },
};

const configure = configurations[config];
if (!configure || !/^\d+$/.test(port || '')) {
  console.error(`usage: node server.js CONFIG PORT (CONFIG: ${Object.keys(configurations).join(', ')})`);
  process.exit(2);
}

const app = express();
configure(app);
app.get('/api/items', (req, res) => {
  res.set('X-Request-Id', 'items-1').cookie('session', 'abc', { httpOnly: true }).json({ items: [] });
});
app.put('/api/items/1', (req, res) => res.set('X-Request-Id', 'items-2').json({ id: 1 }));
app.get('/api/error', () => {
  throw new Error('boom');
});

app.listen(Number(port), '127.0.0.1', () => {
  console.error(`express ${config} listening on http://127.0.0.1:${port}`);
});
