import type { CheckInResult } from '@stowage/example-shared/check-in';
import type { EventRecord, TicketRecord } from '@stowage/example-shared/store';
import { html, type SafeHtml } from './html.js';

export interface CheckInView {
  result: CheckInResult;
  message: string;
  ticket?: TicketRecord;
  event?: EventRecord;
}

/** The entrance: scan with the camera or a photo, or paste the code; the last result on top. */
export function checkInPage(view: CheckInView | undefined): SafeHtml {
  return html`
${
  view
    ? html`<div class="check-in-result ${view.result}" role="status">
  <p class="verdict">${view.message}</p>
  ${
    view.ticket && view.event
      ? html`<p>${view.ticket.buyerName} · ${view.event.title} · admit ${view.ticket.quantity}${
          view.result === 'used' && view.ticket.usedAt
            ? html` · used at ${new Date(view.ticket.usedAt).toUTCString()}`
            : ''
        }</p>`
      : ''
  }
</div>`
    : ''
}
<section class="card check-in-scan">
  <div class="scan">
    <button type="button" id="start-camera">Scan with the camera</button>
    <label>Or a photo of the QR code <input type="file" id="qr-photo" accept="image/*"></label>
    <video playsinline muted hidden></video>
    <p id="scan-status" role="status"></p>
  </div>
  <form method="post" action="/api/check-in" class="check-in">
    <label>Or paste the code <textarea name="payload" rows="3" required placeholder="The text of the ticket's QR code"></textarea></label>
    <button type="submit">Check in</button>
  </form>
</section>
<script src="/jsqr.js"></script>
<script type="module" src="/check-in.js"></script>
`;
}
