import { checkIn, checkInJson, checkInQuery } from '@stowage/example-shared/check-in';
import { app } from '@/lib/context';
import { formFields, limitedBody, parseJson, seeOther, tooLarge } from '@/lib/http';

// Checks a scanned code in: the page's form (redirects back to the page), or JSON { payload }.
export async function POST(request: Request) {
  const json =
    request.headers.get('content-type')?.toLowerCase().startsWith('application/json') ?? false;
  // 4 KB, as the Express route: a QR code's payload is a few hundred bytes.
  const body = await limitedBody(request, 4 * 1024);
  if (body === undefined) return tooLarge();
  let payload = '';
  if (json) {
    const value = (parseJson(body) as { payload?: unknown } | null)?.payload;
    if (typeof value === 'string') payload = value;
  } else {
    payload = (await formFields(request, body)).payload ?? '';
  }
  const outcome = await checkIn(app(), payload.slice(0, 4096));
  if (json) {
    const { status, body } = checkInJson(outcome);
    return Response.json(body, { status });
  }
  // Post, redirect, get: a reload shows the result again instead of posting the code again.
  return seeOther('/check-in', checkInQuery(app().messageSecret, outcome));
}
