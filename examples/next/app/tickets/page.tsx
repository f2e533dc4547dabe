import type { Metadata } from 'next';
import Link from 'next/link';
import { app } from '@/lib/context';
import { pageMessage, param, type SearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Tickets' };

export default async function TicketsPage({ searchParams }: { searchParams: SearchParams }) {
  const query = await searchParams;
  const value = (name: string) => param(query, name);
  const data = await app().store.read();
  const rows = data.tickets
    .map((ticket) => ({ ticket, event: data.events.find((e) => e.id === ticket.eventId) }))
    .reverse();
  const error = pageMessage(query);
  return (
    <>
      <h1>Tickets</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form className="card" method="post" action="/api/tickets">
        <h2>New ticket</h2>
        <label>
          Event title{' '}
          <input name="event_title" required maxLength={200} defaultValue={value('event_title')} />
        </label>
        <label>
          Date and time{' '}
          <input
            name="event_date"
            type="datetime-local"
            required
            defaultValue={value('event_date')}
          />
        </label>
        <label>
          Venue <input name="venue" maxLength={200} defaultValue={value('venue')} />
        </label>
        <label>
          Buyer name{' '}
          <input name="buyer_name" required maxLength={120} defaultValue={value('buyer_name')} />
        </label>
        <label>
          Quantity{' '}
          <input
            name="quantity"
            type="number"
            min={1}
            max={20}
            required
            defaultValue={value('quantity') ?? '1'}
          />
        </label>
        <button type="submit">Create ticket</button>
      </form>
      {rows.length === 0 ? (
        <p className="empty">No tickets yet.</p>
      ) : (
        <table className="tickets">
          <thead>
            <tr>
              <th>#</th>
              <th>Event</th>
              <th>Date</th>
              <th>Buyer</th>
              <th>Qty</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ ticket, event }) => (
              <tr key={ticket.id}>
                <td>
                  <Link href={`/tickets/${ticket.id}`}>{ticket.id}</Link>
                </td>
                <td>{event?.title ?? '?'}</td>
                <td>{event?.date.replace('T', ' ')}</td>
                <td>{ticket.buyerName}</td>
                <td>{ticket.quantity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
