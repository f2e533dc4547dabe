// The check-in page: the shared camera / photo scanner (examples/shared/src/check-in-client.js,
// served at /check-in-client.js) with jsQR's browser build (/jsqr.js, window.jsQR).
import { setUpCheckIn } from '/check-in-client.js';

setUpCheckIn(window.jsQR, document);
