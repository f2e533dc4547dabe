/** jsQR's decode function (from the `jsqr` package). */
export type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

/**
 * Wires the check-in page under `root`: `form.check-in` with `textarea[name=payload]`, a `video`,
 * `#start-camera`, `#qr-photo` (file input) and `#scan-status`. A decoded code fills the textarea
 * and submits the form.
 */
export function setUpCheckIn(jsQR: JsQr, root: ParentNode): void;
