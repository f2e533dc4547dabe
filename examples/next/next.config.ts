import type { NextConfig } from 'next';

const config: NextConfig = {
  // Loaded by Node as they are, not bundled: pdfkit reads its font files from its own folder,
  // and the storage packages load their SDKs lazily.
  serverExternalPackages: ['@stowage/core', '@stowage/s3', '@stowage/tickets', 'pdfkit', 'qrcode'],
  // This repository lints with Biome.
  eslint: { ignoreDuringBuilds: true },
};

export default config;
