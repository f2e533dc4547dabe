'use client';

import { setUpCheckIn } from '@stowage/example-shared/check-in-client';
import jsQR from 'jsqr';
import { useEffect, useRef } from 'react';

/** The scanner (camera or photo, decoded with jsQR) and the form: the shared setUpCheckIn. */
export function CheckInScanner() {
  const root = useRef<HTMLElement>(null);
  useEffect(() => {
    if (root.current) setUpCheckIn(jsQR, root.current);
  }, []);
  return (
    <section className="card check-in-scan" ref={root}>
      <div className="scan">
        <button type="button" id="start-camera">
          Scan with the camera
        </button>
        <label>
          Or a photo of the QR code <input type="file" id="qr-photo" accept="image/*" />
        </label>
        <video playsInline muted hidden />
        <p id="scan-status" role="status" />
      </div>
      <form method="post" action="/api/check-in" className="check-in">
        <label>
          Or paste the code{' '}
          <textarea
            name="payload"
            rows={3}
            required
            placeholder="The text of the ticket's QR code"
          />
        </label>
        <button type="submit">Check in</button>
      </form>
    </section>
  );
}
