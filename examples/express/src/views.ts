import type { Customer, EventRecord, TicketRecord } from '@stowage/example-shared/store';
import { html, type SafeHtml } from './html.js';

export const DEFAULT_AVATAR = '/default-avatar.svg';

export function page(title: string, driver: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Stowage demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
  <a class="brand" href="/">Stowage demo</a>
  <nav><a href="/">Customers</a><a href="/tickets">Tickets</a><a href="/check-in">Check-in</a></nav>
  <span class="driver" title="storage driver">storage: ${driver}</span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}

/** A 40 px round avatar; the default icon when there is no image or it fails to load. */
export function avatar(url: string | undefined, size = 40): SafeHtml {
  // onerror: a file lost from storage (say, after a redeploy on an ephemeral disk) shows the icon.
  return html`<img class="avatar" src="${url ?? DEFAULT_AVATAR}" alt="" width="${size}" height="${size}" onerror="this.onerror=null;this.src='${DEFAULT_AVATAR}'">`;
}

function errorBox(message: string | undefined): SafeHtml {
  return html`${message ? html`<p class="error" role="alert">${message}</p>` : ''}`;
}

export function customerList(rows: Array<{ customer: Customer; imageUrl?: string }>): SafeHtml {
  return html`
<p><a class="button" href="/customers/new">New customer</a></p>
${
  rows.length === 0
    ? html`<p class="empty">No customers yet.</p>`
    : html`<table class="customers">
<thead><tr><th></th><th>Name</th><th>Email</th><th></th></tr></thead>
<tbody>
${rows.map(
  ({ customer, imageUrl }) => html`<tr data-customer-id="${customer.id}">
  <td>${avatar(imageUrl)}</td>
  <td class="name">${customer.name}</td>
  <td>${customer.email}</td>
  <td class="actions">
    <a href="/customers/${customer.id}/edit">Edit</a>
    <form method="post" action="/api/customers/${customer.id}/delete" onsubmit="return confirm('Delete this customer and their image?')">
      <button class="link danger" type="submit">Delete</button>
    </form>
  </td>
</tr>
`,
)}
</tbody>
</table>`
}`;
}

export interface CustomerFormView {
  customer?: Customer;
  imageUrl?: string;
  values: { name?: string; email?: string };
  error?: string;
  /** The storage can take uploads straight from the browser. */
  directUpload: boolean;
}

export function customerForm(view: CustomerFormView): SafeHtml {
  const { customer, values } = view;
  const action = customer ? `/api/customers/${customer.id}` : '/api/customers';
  return html`
${errorBox(view.error)}
<form class="card" method="post" action="${action}" enctype="multipart/form-data">
  ${customer ? html`<div class="current">${avatar(view.imageUrl, 96)}</div>` : ''}
  <label>Name <input name="name" required maxlength="120" value="${values.name ?? ''}"></label>
  <label>Email <input name="email" type="email" maxlength="200" value="${values.email ?? ''}"></label>
  <!-- The file input comes last: the server knows the other fields when the image arrives. -->
  <label>Profile image <input name="image" type="file" accept="image/*"></label>
  <p class="hint">PNG, JPEG, GIF or WebP, up to 5 MiB.${customer ? ' Leave empty to keep the current image.' : ''}</p>
  <p class="buttons">
    <button type="submit">${customer ? 'Save' : 'Create customer'}</button>
    <a href="/">Cancel</a>
  </p>
</form>
${
  customer && view.directUpload
    ? html`<section class="card" id="direct-upload" data-customer-id="${customer.id}">
  <h2>Or upload straight to the storage</h2>
  <p class="hint">The browser sends the file to the storage itself (a signed URL or form); the app only checks it afterwards.</p>
  <div class="pick">
    <input id="direct-file" type="file" accept="image/*">
    <button id="direct-send" type="button">Upload directly</button>
  </div>
  <p id="direct-status" role="status"></p>
</section>
<script type="module" src="/direct-upload.js"></script>`
    : ''
}`;
}

export interface TicketRow {
  ticket: TicketRecord;
  event: EventRecord | undefined;
}

export function ticketsPage(
  rows: TicketRow[],
  error: string | undefined,
  values: Record<string, string>,
): SafeHtml {
  return html`
${errorBox(error)}
<form class="card" method="post" action="/api/tickets">
  <h2>New ticket</h2>
  <label>Event title <input name="event_title" required maxlength="200" value="${values.event_title ?? ''}"></label>
  <label>Date and time <input name="event_date" type="datetime-local" required value="${values.event_date ?? ''}"></label>
  <label>Venue <input name="venue" maxlength="200" value="${values.venue ?? ''}"></label>
  <label>Buyer name <input name="buyer_name" required maxlength="120" value="${values.buyer_name ?? ''}"></label>
  <label>Quantity <input name="quantity" type="number" min="1" max="20" required value="${values.quantity ?? '1'}"></label>
  <button type="submit">Create ticket</button>
</form>
${
  rows.length === 0
    ? html`<p class="empty">No tickets yet.</p>`
    : html`<table class="tickets">
<thead><tr><th>#</th><th>Event</th><th>Date</th><th>Buyer</th><th>Qty</th></tr></thead>
<tbody>
${rows.map(
  ({ ticket, event }) => html`<tr>
  <td><a href="/tickets/${ticket.id}">${ticket.id}</a></td>
  <td>${event?.title ?? '?'}</td>
  <td>${event?.date.replace('T', ' ') ?? ''}</td>
  <td>${ticket.buyerName}</td>
  <td>${ticket.quantity}</td>
</tr>
`,
)}
</tbody>
</table>`
}`;
}

export interface TicketPageView extends TicketRow {
  qrCodeUrl?: string;
  pdfUrl?: string;
  notice?: string;
}

export function ticketPage(view: TicketPageView): SafeHtml {
  const { ticket, event } = view;
  return html`
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<div class="card ticket">
  ${
    view.qrCodeUrl
      ? html`<img class="qr" src="${view.qrCodeUrl}" alt="QR code of ticket ${ticket.id}" width="200" height="200">`
      : html`<p class="error">The ticket's files are missing: regenerate them.</p>`
  }
  <dl>
    <dt>Event</dt><dd>${event?.title}</dd>
    <dt>Date</dt><dd>${event?.date.replace('T', ' ')}</dd>
    <dt>Venue</dt><dd>${event?.venue || '—'}</dd>
    <dt>Buyer</dt><dd>${ticket.buyerName}</dd>
    <dt>Quantity</dt><dd>${ticket.quantity}</dd>
  </dl>
</div>
<div class="actions">
  ${view.pdfUrl ? html`<a class="button pdf" href="${view.pdfUrl}">Download PDF ticket</a>` : ''}
  <a href="/api/events/ticket/${ticket.id}">JSON</a>
  <form method="post" action="/api/tickets/${ticket.id}/regenerate"><button type="submit">Regenerate</button></form>
  <form method="post" action="/api/tickets/${ticket.id}/delete" onsubmit="return confirm('Delete this ticket and its files?')"><button class="danger" type="submit">Delete</button></form>
</div>`;
}

export function notFound(what: string): SafeHtml {
  return html`<p>${what} was not found. <a href="/">Back</a></p>`;
}
