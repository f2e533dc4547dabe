import { checkIn, checkInJson, checkInQuery } from '@stowage/example-shared/check-in';
import { app } from '@/lib/context';
import { seeOther } from '@/lib/http';

// Checks a scanned code in: the page's form (redirects back to the page), or JSON { payload }.
export async function POST(request: Request) {
  const json = request.headers.get('content-type')?.startsWith('application/json') ?? false;
  let payload = '';
  if (json) {
    const body = (await request.json().catch(() => ({}))) as { payload?: unknown };
    if (typeof body.payload === 'string') payload = body.payload;
  } else {
    const value = (await request.formData().catch(() => undefined))?.get('payload');
    if (typeof value === 'string') payload = value;
  }
  const outcome = await checkIn(app(), payload.slice(0, 4096));
  if (json) {
    const { status, body } = checkInJson(outcome);
    return Response.json(body, { status });
  }
  // Post, redirect, get: a reload shows the result again instead of posting the code again.
  return seeOther('/check-in', checkInQuery(app().messageSecret, outcome));
}
