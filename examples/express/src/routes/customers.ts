import { isStorageError, type Storage } from '@stowage/core';
import { errorResponse, toNodeHandler } from '@stowage/core/http';
import {
  attachUploadedImage,
  deleteCustomer,
  findCustomer,
  type JsonAnswer,
  saveCustomerForm,
  signImageUpload,
  type UploadRequest,
} from '@stowage/example-shared/customers';
import { avatarUrl, isRefusal, linkMessage, type UrlMode } from '@stowage/example-shared/media';
import { signedMessage, verifiedMessage } from '@stowage/example-shared/messages';
import { type Customer, type JsonStore, recordId } from '@stowage/example-shared/store';
import express, { type Request as ExpressRequest, type Router } from 'express';
import { customerForm, customerList, notFound, page } from '../views.js';

export interface CustomerRoutesOptions {
  store: JsonStore;
  storage: Storage;
  urls: UrlMode;
  onError: (error: unknown) => void;
  /** Signs the messages a refused form carries to the page it redirects to. */
  messageSecret: string;
}

export function customerRoutes(options: CustomerRoutesOptions): Router {
  const { store, storage, urls, onError } = options;
  const router = express.Router();
  const imageUrl = (customer: Customer) =>
    customer.imageKey ? avatarUrl(storage, urls, customer.imageKey) : Promise.resolve(undefined);
  const directUpload = storage.capabilities.signedUpload;
  const sendNotFound = (res: express.Response) =>
    res
      .status(404)
      .type('html')
      .send(page('Not found', storage.driver, notFound('Customer')));

  router.get('/', async (_req, res) => {
    const { customers } = await store.read();
    const rows = await Promise.all(
      customers.map(async (customer) => ({ customer, imageUrl: await imageUrl(customer) })),
    );
    res.type('html').send(page('Customers', storage.driver, customerList(rows)));
  });

  /** What a refused form carried back in the URL: the typed fields, and the signed message. */
  const carried = (req: ExpressRequest) => {
    const query = req.query as Record<string, unknown>;
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    return {
      error: verifiedMessage(options.messageSecret, text('error'), text('error_sig')),
      name: text('name'),
      email: text('email'),
    };
  };

  router.get('/customers/new', (req, res) => {
    const { error, name, email } = carried(req);
    const body = customerForm({ values: { name, email }, error, directUpload });
    res.type('html').send(page('New customer', storage.driver, body));
  });

  router.get('/customers/:id/edit', async (req, res) => {
    const customer = await customerOf(store, req);
    if (!customer) {
      sendNotFound(res);
      return;
    }
    const { error, name, email } = carried(req);
    const body = customerForm({
      customer,
      imageUrl: await imageUrl(customer),
      values: { name: name ?? customer.name, email: email ?? customer.email },
      error,
      directUpload,
    });
    res.type('html').send(page(`Edit ${customer.name}`, storage.driver, body));
  });

  /**
   * Reads a customer form; on a refused image or a missing name, sends the browser back to the
   * form with the message and what was typed (nothing stored), at the form's own address, so
   * that a reload does not post again. Otherwise saves it and goes back to the list.
   */
  const handleForm =
    (customer: Customer | undefined) =>
    async (request: Request): Promise<Response> => {
      const result = await saveCustomerForm(options, request, customer, onError);
      if (result.saved) return new Response(null, { status: 303, headers: { location: '/' } });
      const back = customer ? `/customers/${customer.id}/edit` : '/customers/new';
      const query = new URLSearchParams({
        ...signedMessage(options.messageSecret, linkMessage(result.problem)),
        name: result.fields.name ?? '',
        email: result.fields.email ?? '',
      });
      return new Response(null, { status: 303, headers: { location: `${back}?${query}` } });
    };

  // Forms with a file are read by receiveUpload, which takes a web Request: toNodeHandler adapts.
  router.post('/api/customers', toNodeHandler(handleForm(undefined)));

  router.post('/api/customers/:id', async (req, res, next) => {
    const customer = await customerOf(store, req);
    if (!customer) {
      sendNotFound(res);
      return;
    }
    toNodeHandler(handleForm(customer))(req, res, next);
  });

  router.post('/api/customers/:id/delete', async (req, res) => {
    await deleteCustomer(options, recordId(req.params.id));
    res.redirect(303, '/');
  });

  // Direct upload, step 1: the browser asks where to send the file.
  router.post('/api/uploads', express.json(), async (req, res) => {
    const body = (req.body ?? {}) as UploadRequest;
    const customer = await findCustomer(store, recordId(body.customerId));
    try {
      sendJson(res, await signImageUpload(options, customer, body));
    } catch (error) {
      await sendError(res, error, onError);
    }
  });

  // Direct upload, step 2: the browser says the file is there; the server checks it.
  router.post('/api/customers/:id/image', express.json(), async (req, res) => {
    const customer = await customerOf(store, req);
    try {
      sendJson(res, await attachUploadedImage(options, customer, req.body));
    } catch (error) {
      await sendError(res, error, onError);
    }
  });

  return router;
}

function sendJson(res: express.Response, answer: JsonAnswer): void {
  res.status(answer.status).json(answer.body);
}

async function sendError(
  res: express.Response,
  error: unknown,
  onError: (error: unknown) => void,
): Promise<void> {
  if (!isRefusal(error)) onError(error);
  if (isStorageError(error, 'UNSUPPORTED')) {
    res.status(501).json({
      error: { code: 'UNSUPPORTED', message: 'This storage takes no direct uploads.' },
    });
    return;
  }
  const response = errorResponse(error);
  res.status(response.status).json(await response.json());
}

function customerOf(store: JsonStore, req: ExpressRequest): Promise<Customer | undefined> {
  return findCustomer(store, recordId(req.params.id));
}
