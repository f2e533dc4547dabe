import { isStorageError, keyProblem, type Storage } from '@stowage/core';
import { errorResponse, toNodeHandler } from '@stowage/core/http';
import express, { type Request as ExpressRequest, type Router } from 'express';
import {
  avatarKey,
  avatarPrefix,
  checkUploadedImage,
  IMAGE_TOO_LARGE,
  MAX_IMAGE_BYTES,
  mediaUrl,
  messageFor,
  receiveCustomerForm,
  type UrlMode,
} from '../media.js';
import { type Customer, type JsonStore, takeId } from '../store.js';
import { customerForm, customerList, notFound, page } from '../views.js';

export interface CustomerRoutesOptions {
  store: JsonStore;
  storage: Storage;
  urls: UrlMode;
  onError: (error: unknown) => void;
}

/** Extensions for the image types a browser may announce for a direct upload. */
const IMAGE_EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

export function customerRoutes(options: CustomerRoutesOptions): Router {
  const { store, storage, urls, onError } = options;
  const router = express.Router();
  const imageUrl = (customer: Customer) =>
    customer.imageKey ? mediaUrl(storage, urls, customer.imageKey) : Promise.resolve(undefined);
  const htmlPage = (title: string, body: Parameters<typeof page>[2], status = 200) =>
    new Response(page(title, storage.driver, body), {
      status,
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
  const directUpload = storage.capabilities.signedUpload;

  router.get('/', async (_req, res) => {
    const { customers } = await store.read();
    const rows = await Promise.all(
      customers.map(async (customer) => ({ customer, imageUrl: await imageUrl(customer) })),
    );
    res.type('html').send(page('Customers', storage.driver, customerList(rows)));
  });

  router.get('/customers/new', (_req, res) => {
    res
      .type('html')
      .send(page('New customer', storage.driver, customerForm({ values: {}, directUpload })));
  });

  router.get('/customers/:id/edit', async (req, res) => {
    const customer = await findCustomer(store, req);
    if (!customer) {
      res
        .status(404)
        .type('html')
        .send(page('Not found', storage.driver, notFound('Customer')));
      return;
    }
    const body = customerForm({
      customer,
      imageUrl: await imageUrl(customer),
      values: customer,
      directUpload,
    });
    res.type('html').send(page(`Edit ${customer.name}`, storage.driver, body));
  });

  /**
   * Reads a customer form; on a refused image or a missing name, answers the form again with the
   * message (nothing stored). Otherwise hands the fields and the new image's key to `save`.
   */
  const handleForm =
    (
      customer: Customer | undefined,
      save: (id: number, fields: Record<string, string>, imageKey?: string) => Promise<void>,
    ) =>
    async (request: Request): Promise<Response> => {
      const id = customer?.id ?? (await store.update((data) => takeId(data, 'customers')));
      const form = await receiveCustomerForm(request, storage, (ext) => avatarKey(id, ext));
      let problem: string | undefined;
      let status = 400;
      if (!form.ok) {
        logUnexpected(form.error, onError);
        problem = messageFor(form.error);
        status = errorResponse(form.error).status;
      } else {
        problem = validate(form.fields);
        if (problem && form.imageKey) await storage.delete(form.imageKey);
      }
      if (problem || !form.ok) {
        const body = customerForm({
          customer,
          imageUrl: customer && (await imageUrl(customer)),
          values: form.fields,
          error: problem,
          directUpload,
        });
        return htmlPage(customer ? `Edit ${customer.name}` : 'New customer', body, status);
      }
      await save(id, form.fields, form.imageKey);
      return new Response(null, { status: 303, headers: { location: '/' } });
    };

  // Forms with a file are read by receiveUpload, which takes a web Request: toNodeHandler adapts.
  router.post(
    '/api/customers',
    toNodeHandler(
      handleForm(undefined, async (id, fields, imageKey) => {
        await store.update((data) => {
          data.customers.push({
            id,
            name: fields.name!.trim(),
            email: (fields.email ?? '').trim(),
            imageKey,
            createdAt: new Date().toISOString(),
          });
        });
      }),
    ),
  );

  router.post('/api/customers/:id', async (req, res, next) => {
    const customer = await findCustomer(store, req);
    if (!customer) {
      res
        .status(404)
        .type('html')
        .send(page('Not found', storage.driver, notFound('Customer')));
      return;
    }
    const update = handleForm(customer, async (_id, fields, imageKey) => {
      const old = await setCustomer(store, customer.id, (c) => {
        c.name = fields.name!.trim();
        c.email = (fields.email ?? '').trim();
        if (imageKey) c.imageKey = imageKey;
      });
      // The replaced image is deleted once the customer points at the new one (or the new one,
      // if the customer was deleted meanwhile).
      if (imageKey && !old) await storage.delete(imageKey);
      if (imageKey && old?.imageKey) await storage.delete(old.imageKey);
    });
    toNodeHandler(update)(req, res, next);
  });

  router.post('/api/customers/:id/delete', async (req, res) => {
    const id = Number(req.params.id);
    const removed = await store.update((data) => {
      const found = data.customers.find((c) => c.id === id);
      data.customers = data.customers.filter((c) => c.id !== id);
      return found;
    });
    if (removed?.imageKey) await storage.delete(removed.imageKey);
    res.redirect(303, '/');
  });

  // Direct upload, step 1: the browser asks where to send the file.
  router.post('/api/uploads', express.json(), async (req, res) => {
    const body = (req.body ?? {}) as {
      customerId?: unknown;
      contentType?: unknown;
      size?: unknown;
    };
    const customerId = Number(body.customerId);
    const contentType = String(body.contentType ?? '');
    const size = Number(body.size);
    const customer = (await store.read()).customers.find((c) => c.id === customerId);
    if (!customer) {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such customer.' } });
      return;
    }
    const extension = IMAGE_EXTENSIONS[contentType];
    if (!extension) {
      res.status(400).json({
        error: { code: 'INVALID_INPUT', message: 'Choose a PNG, JPEG, GIF, WebP or AVIF image.' },
      });
      return;
    }
    if (!Number.isFinite(size) || size > MAX_IMAGE_BYTES) {
      res.status(413).json({ error: { code: 'TOO_LARGE', message: IMAGE_TOO_LARGE } });
      return;
    }
    const key = avatarKey(customer.id, extension);
    try {
      const upload = await storage.signedUpload(key, {
        expiresIn: 600,
        contentType,
        maxSize: MAX_IMAGE_BYTES,
      });
      res.json({ key, upload });
    } catch (error) {
      await sendError(res, error, onError);
    }
  });

  // Direct upload, step 2: the browser says the file is there; the server checks it.
  router.post('/api/customers/:id/image', express.json(), async (req, res) => {
    const customer = await findCustomer(store, req);
    const key = String((req.body as { key?: unknown } | undefined)?.key ?? '');
    if (!customer) {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such customer.' } });
      return;
    }
    // Only a key handed out for this customer: a client cannot claim someone else's file.
    if (!key.startsWith(avatarPrefix(customer.id)) || keyProblem(key)) {
      res.status(400).json({ error: { code: 'INVALID_KEY', message: 'Not an upload key.' } });
      return;
    }
    try {
      await checkUploadedImage(storage, key);
      const old = await setCustomer(store, customer.id, (c) => {
        c.imageKey = key;
      });
      if (old?.imageKey && old.imageKey !== key) await storage.delete(old.imageKey);
      res.json({ key, imageUrl: await mediaUrl(storage, urls, key) });
    } catch (error) {
      await sendError(res, error, onError);
    }
  });

  return router;
}

function validate(fields: Record<string, string>): string | undefined {
  const name = (fields.name ?? '').trim();
  if (!name) return 'Name is required.';
  if (name.length > 120) return 'Name is too long (at most 120 characters).';
  if ((fields.email ?? '').length > 200) return 'Email is too long.';
  return undefined;
}

function logUnexpected(error: unknown, onError: (error: unknown) => void): void {
  if (!isStorageError(error, 'INVALID_INPUT') && !isStorageError(error, 'TOO_LARGE')) {
    onError(error);
  }
}

async function sendError(
  res: express.Response,
  error: unknown,
  onError: (error: unknown) => void,
): Promise<void> {
  logUnexpected(error, onError);
  if (isStorageError(error, 'UNSUPPORTED')) {
    res.status(501).json({
      error: { code: 'UNSUPPORTED', message: 'This storage takes no direct uploads.' },
    });
    return;
  }
  const response = errorResponse(error);
  res.status(response.status).json(await response.json());
}

async function findCustomer(store: JsonStore, req: ExpressRequest): Promise<Customer | undefined> {
  const id = Number(req.params.id);
  return (await store.read()).customers.find((c) => c.id === id);
}

/** Changes a customer; returns it as it was before. */
async function setCustomer(
  store: JsonStore,
  id: number,
  change: (customer: Customer) => void,
): Promise<Customer | undefined> {
  return store.update((data) => {
    const customer = data.customers.find((c) => c.id === id);
    if (!customer) return undefined;
    const before = { ...customer };
    change(customer);
    return before;
  });
}
