import { cloudinary } from '@stowage/cloudinary';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage } from '@stowage/core';
import { runConformance } from '@stowage/core/testing';

let emu: CloudinaryEmulator | undefined;

// Private assets, no folder: reads go through expiring download URLs; url() is UNSUPPORTED.
runConformance({
  name: 'cloudinary (emulator, private delivery)',
  skipLarge: true,
  create: async () => {
    emu = await startCloudinaryEmulator();
    const storage = createStorage(
      cloudinary({
        cloudName: emu.cloudName,
        apiKey: emu.apiKey,
        apiSecret: emu.apiSecret,
        uploadPrefix: emu.url,
        deliveryUrl: emu.url,
        deliveryType: 'private',
      }),
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
