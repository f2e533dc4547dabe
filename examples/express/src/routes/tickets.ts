import { isStorageError } from '@stowage/core';
import { requestOrigin } from '@stowage/example-shared/config';
import { linkMessageFor } from '@stowage/example-shared/media';
import { signedMessage, verifiedMessage } from '@stowage/example-shared/messages';
import { recordId } from '@stowage/example-shared/store';
import {
  createTicket,
  deleteTicket,
  findTicket,
  regeneratedQuery,
  regenerateTicket,
  TICKET_FORM_FIELDS,
  TICKET_FORM_LIMIT,
  type TicketContext,
  ticketJson,
  ticketUrls,
  wasRegenerated,
} from '@stowage/example-shared/tickets';
import express, { type Request, type Router } from 'express';
import { notFound, page, ticketPage, ticketsPage } from '../views.js';

export function ticketRoutes(
  ctx: TicketContext,
  onError: (error: unknown) => void,
  messageSecret: string,
): Router {
  const router = express.Router();
  const driver = ctx.storage.driver;
  const idOf = (req: Request) => recordId(req.params.id);
  // The Host (and with 'trust proxy' on, X-Forwarded-Host and -Proto), checked: a client writes it.
  const origin = (req: Request) =>
    requestOrigin((name) => req.get(name), req.app.get('trust proxy') === true);
  const listPage = async (error?: string, values: Record<string, string> = {}) => {
    const data = await ctx.store.read();
    const rows = data.tickets
      .map((ticket) => ({ ticket, event: data.events.find((e) => e.id === ticket.eventId) }))
      .reverse();
    return page('Tickets', driver, ticketsPage(rows, error, values));
  };

  router.get('/tickets', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    const values: Record<string, string> = {};
    for (const name of TICKET_FORM_FIELDS) {
      const value = text(name);
      if (value !== undefined) values[name] = value;
    }
    const error = verifiedMessage(messageSecret, text('error'), text('error_sig'));
    res.type('html').send(await listPage(error, values));
  });

  router.get('/tickets/:id', async (req, res) => {
    const found = await findTicket(ctx, idOf(req));
    if (!found) {
      res
        .status(404)
        .type('html')
        .send(page('Not found', driver, notFound('Ticket')));
      return;
    }
    const urls = await ticketUrls(ctx, found.ticket);
    const shown = typeof req.query.regenerated === 'string' ? req.query.regenerated : undefined;
    const notice = wasRegenerated(messageSecret, found.ticket.id, shown)
      ? 'The ticket was regenerated.'
      : undefined;
    const body = ticketPage({ ...found, qrCodeUrl: urls?.qrCode, pdfUrl: urls?.pdf, notice });
    res.type('html').send(page(`Ticket ${found.ticket.id}`, driver, body));
  });

  // HTML forms.
  const form = express.urlencoded({ extended: false, limit: TICKET_FORM_LIMIT });
  router.post('/api/tickets', form, async (req, res) => {
    const values = (req.body ?? {}) as Record<string, string>;
    try {
      const ticket = await createTicket(ctx, values);
      res.redirect(303, `/tickets/${ticket.id}`);
    } catch (error) {
      if (!isStorageError(error, 'INVALID_INPUT')) onError(error);
      // Back to the form at its own address (a reload posts nothing), with what was typed.
      const query = new URLSearchParams(signedMessage(messageSecret, linkMessageFor(error)));
      for (const name of TICKET_FORM_FIELDS) query.set(name, String(values[name] ?? ''));
      res.redirect(303, `/tickets?${query}`);
    }
  });
  router.post('/api/tickets/:id/regenerate', async (req, res) => {
    if (!(await regenerateTicket(ctx, idOf(req)))) {
      res
        .status(404)
        .type('html')
        .send(page('Not found', driver, notFound('Ticket')));
      return;
    }
    const query = new URLSearchParams(regeneratedQuery(messageSecret, idOf(req)));
    res.redirect(303, `/tickets/${idOf(req)}?${query}`);
  });
  router.post('/api/tickets/:id/delete', async (req, res) => {
    await deleteTicket(ctx, idOf(req));
    res.redirect(303, '/tickets');
  });

  // The JSON API.
  const missing = { error: { code: 'NOT_FOUND', message: 'No such ticket.' } };
  router.get('/api/events/ticket/:id', async (req, res) => {
    const json = await ticketJson(ctx, idOf(req), origin(req));
    if (json) res.json(json);
    else res.status(404).json(missing);
  });
  router.post('/api/events/regenerate/:id', async (req, res) => {
    if (!(await regenerateTicket(ctx, idOf(req)))) {
      res.status(404).json(missing);
      return;
    }
    res.json(await ticketJson(ctx, idOf(req), origin(req)));
  });
  router.delete('/api/events/ticket/:id', async (req, res) => {
    if (await deleteTicket(ctx, idOf(req))) res.json({ deleted: true, ticket_id: idOf(req) });
    else res.status(404).json(missing);
  });

  return router;
}
