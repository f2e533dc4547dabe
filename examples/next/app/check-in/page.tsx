import { checkInView } from '@stowage/example-shared/check-in';
import type { Metadata } from 'next';
import { CheckInScanner } from '@/components/check-in-scanner';
import { app } from '@/lib/context';
import { param, type SearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Check-in' };

// The entrance: scan with the camera or a photo, or paste the code; the last result on top.
export default async function CheckInPage({ searchParams }: { searchParams: SearchParams }) {
  const query = await searchParams;
  // Only a result this app signed lately (see checkInQuery): a link cannot fake an admission.
  const view = await checkInView(app(), app().messageSecret, {
    result: param(query, 'result'),
    ticket: param(query, 'ticket'),
    sig: param(query, 'sig'),
  });
  return (
    <>
      <h1>Check-in</h1>
      {view && (
        <div className={`check-in-result ${view.result}`} role="status">
          <p className="verdict">{view.message}</p>
          {view.ticket && view.event && (
            <p>
              {view.ticket.buyerName} · {view.event.title} · admit {view.ticket.quantity}
              {view.result === 'used' && view.ticket.usedAt
                ? ` · used at ${new Date(view.ticket.usedAt).toUTCString()}`
                : ''}
            </p>
          )}
        </div>
      )}
      <CheckInScanner />
    </>
  );
}
