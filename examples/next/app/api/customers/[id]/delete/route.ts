import { app } from '@/lib/context';
import { idParam, seeOther } from '@/lib/http';

// Deletes a customer, then their image.
export async function POST(_request: Request, context: { params: Promise<{ id: string }> }) {
  const id = await idParam(context);
  const { store, storage } = app();
  const removed = await store.update((data) => {
    const found = data.customers.find((c) => c.id === id);
    data.customers = data.customers.filter((c) => c.id !== id);
    return found;
  });
  if (removed?.imageKey) await storage.delete(removed.imageKey);
  return seeOther('/');
}
