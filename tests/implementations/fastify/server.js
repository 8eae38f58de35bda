// Fastify 5 with @fastify/cors, in one correct and several broken configurations.
// Usage: node server.js CONFIG PORT
// ALLOWED_ORIGINS (comma-separated) is the allow-list; default https://app.example.com.
//
// CONFIG `snippet` applies a CORS setup written elsewhere (corsproof's fix, for one): the
// environment variable CORSPROOF_SNIPPET names a file of JavaScript, run as the body of an async
// function `(app, require)` (so `await app.register(...)` works) and awaited before the routes
// are registered, in place of this file's own CORS configuration. `require` resolves from this
// directory (fastify, @fastify/cors).
'use strict';

const fs = require('fs');
const Fastify = require('fastify');
const cors = require('@fastify/cors');

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

// `true` for an allow-listed Origin (reflected), `false` for any other: @fastify/cors then adds
// nothing. (An array `origin` leaves out Allow-Origin for an unknown origin but still sends
// Access-Control-Allow-Credentials: true to it.)
const allowList = (origin, callback) => callback(null, allowedOrigins.includes(origin));

const AsyncFunction = (async () => {}).constructor;

// Each configuration registers its CORS handling on `app` before the routes.
const configurations = {
  // An allow-list function, credentials; the onRequest hook sets the headers before any handler
  // runs, so Fastify's error answer keeps them.
  async correct(app) {
    await app.register(cors, { ...common, origin: allowList, credentials: true });
  },
  // `origin: true` "reflects the request origin" (README), any origin, here with credentials.
  async 'reflect-any-origin'(app) {
    await app.register(cors, { ...common, origin: true, credentials: true });
  },
  // No `methods`: since @fastify/cors 11 the default is the safelisted GET,HEAD,POST, so a PUT
  // preflight is refused while GET and POST keep working (fastify/fastify-cors#359 changed it;
  // fastify/fastify-cors#370, "CORS error after upgrading ... PUT requests failed").
  async 'default-methods'(app) {
    const { methods, ...rest } = common;
    await app.register(cors, { ...rest, origin: allowList, credentials: true });
  },
  // The fix under test, from the file named by CORSPROOF_SNIPPET.
  async snippet(app) {
    const file = process.env.CORSPROOF_SNIPPET;
    if (!file) {
      console.error('snippet: set CORSPROOF_SNIPPET to the file holding the CORS setup');
      process.exit(2);
    }
    await new AsyncFunction('app', 'require', fs.readFileSync(file, 'utf8'))(app, require);
  },
};

const configure = configurations[config];
if (!configure || !/^\d+$/.test(port || '')) {
  console.error(`usage: node server.js CONFIG PORT (CONFIG: ${Object.keys(configurations).join(', ')})`);
  process.exit(2);
}

async function main() {
  const app = Fastify();
  await configure(app);
  app.get('/api/items', async (request, reply) => {
    reply.header('X-Request-Id', 'items-1').header('Set-Cookie', 'session=abc; Path=/; HttpOnly');
    return { items: [] };
  });
  app.put('/api/items/1', async (request, reply) => {
    reply.header('X-Request-Id', 'items-2');
    return { id: 1 };
  });
  app.get('/api/error', async () => {
    throw new Error('boom');
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  console.error(`fastify ${config} listening on http://127.0.0.1:${port}`);
}

main().catch((error) => {
  console.error(`fastify ${config}: ${error.stack || error}`);
  process.exit(1);
});
