import { checkIn, checkInJson, checkInQuery, checkInView } from '@stowage/example-shared/check-in';
import type { TicketContext } from '@stowage/example-shared/tickets';
import express, { type Router } from 'express';
import { page } from '../views.js';
import { checkInPage } from '../views-check-in.js';

/**
 * The entrance: GET /check-in, and POST /api/check-in (the page's form, or JSON). `messageSecret`
 * signs the result link the form redirects to (the app's message secret, so that any instance
 * shows it and a link cannot fake an admission).
 */
export function checkInRoutes(ctx: TicketContext, messageSecret: string): Router {
  const router = express.Router();
  const driver = ctx.storage.driver;

  router.get('/check-in', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    const view = await checkInView(ctx, messageSecret, {
      result: text('result'),
      ticket: text('ticket'),
      sig: text('sig'),
    });
    res.type('html').send(page('Check-in', driver, checkInPage(view)));
  });

  router.post(
    '/api/check-in',
    express.json({ limit: '4kb' }),
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const body = (req.body ?? {}) as { payload?: unknown };
      const payload = typeof body.payload === 'string' ? body.payload : '';
      const outcome = await checkIn(ctx, payload);
      if (req.is('application/json')) {
        const { status, body: json } = checkInJson(outcome);
        res.status(status).json(json);
        return;
      }
      // Post, redirect, get: a reload shows the result again instead of posting the code again.
      res.redirect(303, `/check-in?${new URLSearchParams(checkInQuery(messageSecret, outcome))}`);
    },
  );
  return router;
}
