// The check-in page in the browser: read a QR code with the camera (getUserMedia) or from a photo,
// decode it with jsQR, and send the payload with the page's form. Plain JavaScript, so that the
// Express app can serve it as it is; types in the .d.ts. `jsQR` is passed in: the Express page
// loads jsqr's browser build, the Next page imports it.

/** Decodes the QR code in an image (a photo, a video frame); undefined when none is found. */
function decode(jsQR, source, width, height) {
  const canvas = document.createElement('canvas');
  // Large photos are scaled down: faster, and jsQR finds codes as well at this size.
  const scale = Math.min(1, 1280 / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(pixels.data, pixels.width, pixels.height)?.data;
}

export function setUpCheckIn(jsQR, root) {
  const form = root.querySelector('form.check-in');
  const payload = form.querySelector('textarea[name=payload]');
  const status = root.querySelector('#scan-status');
  const video = root.querySelector('video');
  const photo = root.querySelector('#qr-photo');
  const startButton = root.querySelector('#start-camera');
  let stream;
  let stopped = false;

  const send = (text) => {
    payload.value = text;
    stop();
    form.requestSubmit();
  };
  const stop = () => {
    stopped = true;
    for (const track of stream?.getTracks() ?? []) track.stop();
  };

  photo.addEventListener('change', async () => {
    const file = photo.files[0];
    if (!file) return;
    status.textContent = 'Reading the photo…';
    try {
      const bitmap = await createImageBitmap(file);
      const text = decode(jsQR, bitmap, bitmap.width, bitmap.height);
      if (text) send(text);
      else status.textContent = 'No QR code found in this photo. Try another, or paste the code.';
    } catch {
      status.textContent = 'This file could not be read as an image.';
    }
  });

  startButton.addEventListener('click', async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      status.textContent = 'This browser gives no camera to this page (HTTPS is needed).';
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment' },
        audio: false,
      });
    } catch (error) {
      status.textContent = `The camera could not be started: ${error.message}`;
      return;
    }
    stopped = false;
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    status.textContent = 'Point the camera at the QR code.';
    const scan = () => {
      if (stopped) return;
      if (video.videoWidth > 0) {
        const text = decode(jsQR, video, video.videoWidth, video.videoHeight);
        if (text) {
          send(text);
          return;
        }
      }
      requestAnimationFrame(scan);
    };
    requestAnimationFrame(scan);
  });
  window.addEventListener('pagehide', stop);
}
