import { cloudinary } from '@stowage/cloudinary';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage } from '@stowage/core';
import { runConformance } from '@stowage/core/testing';

let emu: CloudinaryEmulator | undefined;

// The real SDK over HTTP to a local emulator; the 25 MiB case goes through upload_chunked_stream.
runConformance({
  name: 'cloudinary (emulator)',
  // The folder is part of every key underneath (core's prefixed()), so it counts in the 1024 bytes.
  maxKeyBytes: 1024 - 'app/'.length,
  create: async () => {
    emu = await startCloudinaryEmulator({ cloudName: 'stowage-conformance' });
    const storage = createStorage(
      cloudinary({ url: emu.cloudinaryUrl, deliveryUrl: emu.url, folder: 'app' }),
    );
    return {
      storage,
      cleanup: async () => {
        await storage.close();
        await emu?.close();
      },
    };
  },
});
