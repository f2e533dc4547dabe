import { recordId } from '@stowage/example-shared/store';
import { findTicket, ticketUrls, wasRegenerated } from '@stowage/example-shared/tickets';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ConfirmForm } from '@/components/confirm-form';
import { app } from '@/lib/context';
import { param, type SearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

interface Props {
  params: Promise<{ id: string }>;
  searchParams: SearchParams;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Ticket ${(await params).id}` };
}

export default async function TicketPage({ params, searchParams }: Props) {
  const ctx = app();
  const found = await findTicket(ctx, recordId((await params).id));
  if (!found) notFound();
  const { ticket, event } = found;
  const urls = await ticketUrls(ctx, ticket);
  // Only a regeneration this app signed lately (see regeneratedQuery): a link cannot claim one.
  const regenerated = wasRegenerated(
    ctx.messageSecret,
    ticket.id,
    param(await searchParams, 'regenerated'),
  );
  return (
    <>
      <h1>Ticket {ticket.id}</h1>
      {regenerated && (
        <p className="notice" role="status">
          The ticket was regenerated.
        </p>
      )}
      <div className="card ticket">
        {urls ? (
          // biome-ignore lint/performance/noImgElement: a storage URL (signed, another host) as it is
          <img
            className="qr"
            src={urls.qrCode}
            alt={`QR code of ticket ${ticket.id}`}
            width={200}
            height={200}
          />
        ) : (
          <p className="error">The ticket&apos;s files are missing: regenerate them.</p>
        )}
        <dl>
          <dt>Event</dt>
          <dd>{event.title}</dd>
          <dt>Date</dt>
          <dd>{event.date.replace('T', ' ')}</dd>
          <dt>Venue</dt>
          <dd>{event.venue || '—'}</dd>
          <dt>Buyer</dt>
          <dd>{ticket.buyerName}</dd>
          <dt>Quantity</dt>
          <dd>{ticket.quantity}</dd>
        </dl>
      </div>
      <div className="actions">
        {urls && (
          <a className="button pdf" href={urls.pdf}>
            Download PDF ticket
          </a>
        )}
        <a href={`/api/events/ticket/${ticket.id}`}>JSON</a>
        <form method="post" action={`/api/tickets/${ticket.id}/regenerate`}>
          <button type="submit">Regenerate</button>
        </form>
        <ConfirmForm
          action={`/api/tickets/${ticket.id}/delete`}
          message="Delete this ticket and its files?"
        >
          <button className="danger" type="submit">
            Delete
          </button>
        </ConfirmForm>
      </div>
    </>
  );
}
