// The direct upload form on the edit page; the upload itself is the shared sendDirectUpload
// (examples/shared/src/direct-upload.js, served at /direct-upload-client.js).
import { sendDirectUpload } from '/direct-upload-client.js';

const section = document.getElementById('direct-upload');
const input = document.getElementById('direct-file');
const status = document.getElementById('direct-status');

document.getElementById('direct-send').addEventListener('click', async () => {
  const file = input.files[0];
  if (!file) {
    status.textContent = 'Choose an image first.';
    return;
  }
  status.textContent = 'Uploading…';
  try {
    const { imageUrl } = await sendDirectUpload(section.dataset.customerId, file);
    for (const img of document.querySelectorAll('.current img.avatar')) img.src = imageUrl;
    status.textContent = 'Uploaded.';
  } catch (error) {
    status.textContent = error.message;
  }
});
