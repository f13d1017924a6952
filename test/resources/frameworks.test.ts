/**
 * Server hand-over with frameworks, zero annotations: Express, Fastify and
 * Hono on @hono/node-server, each entry edited under load through the CLI.
 */
import { test } from 'node:test';
import { editUnderLoad } from './edit-under-load.ts';

const EDITS = 30;

const express = (v: number): string => `import express from 'express';
import { answer } from './slow.ts';
const VERSION = ${v};
const app = express();
app.use((req, res) => answer(req.path, VERSION, (body) => void res.send(body)));
app.listen(Number(process.env['PORT']), '127.0.0.1', () => console.log('listening v' + VERSION));
`;

const fastify = (v: number): string => `import Fastify from 'fastify';
import { answer } from './slow.ts';
const VERSION = ${v};
const app = Fastify();
app.all('/*', (req, reply) => answer(req.url, VERSION, (body) => void reply.send(body)));
await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' });
console.log('listening v' + VERSION);
`;

/** Fastify's documented start: `listen` after its plugins load, in an un-awaited `start()`. */
const fastifyStart = (v: number): string => `import Fastify from 'fastify';
import { answer } from './slow.ts';
const VERSION = ${v};
const app = Fastify();
app.all('/*', (req, reply) => answer(req.url, VERSION, (body) => void reply.send(body)));
const start = async (): Promise<void> => {
  await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' });
  console.log('listening v' + VERSION);
};
void start();
`;

const hono = (v: number): string => `import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { answer } from './slow.ts';
const VERSION = ${v};
const app = new Hono();
app.all('*', (c) => new Promise<Response>((resolve) => answer(new URL(c.req.url).pathname, VERSION, (body) => resolve(c.text(body)))));
serve({ fetch: app.fetch, port: Number(process.env['PORT']), hostname: '127.0.0.1' }, () => console.log('listening v' + VERSION));
`;

test(`Express: the entry edited ${EDITS} times under load`, async (t) => {
  await editUnderLoad(t, { name: 'handover-express', main: express, edits: EDITS, strict: true });
});

test(`Fastify: the entry edited ${EDITS} times under load`, async (t) => {
  await editUnderLoad(t, { name: 'handover-fastify', main: fastify, edits: EDITS, strict: true });
});

test('Fastify with an un-awaited start(): listen() after the commit still takes the socket over, 15 edits under load', async (t) => {
  await editUnderLoad(t, { name: 'handover-fastify-start', main: fastifyStart, edits: 15, strict: false });
});

test(`Hono on @hono/node-server: the entry edited ${EDITS} times under load`, async (t) => {
  await editUnderLoad(t, { name: 'handover-hono', main: hono, edits: EDITS, strict: true });
});
