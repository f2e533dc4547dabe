import type { NextConfig } from 'next';

const config: NextConfig = {
  // Loaded by Node as they are, not bundled: pdfkit reads its font files from its own folder,
  // and the storage packages load their SDKs lazily.
  serverExternalPackages: [
    '@stowage/core',
    '@stowage/s3',
    '@stowage/r2',
    '@stowage/cloudinary',
    '@stowage/tickets',
    '@stowage/images',
    'sharp',
    'pdfkit',
    'qrcode',
  ],
  // The code shared with the Express example (examples/shared): TypeScript sources, compiled here.
  transpilePackages: ['@stowage/example-shared'],
  webpack: (webpackConfig) => {
    // Those sources import each other as `./store.js`, as Node's ESM wants: find the `.ts` file.
    webpackConfig.resolve.extensionAlias = {
      ...webpackConfig.resolve.extensionAlias,
      '.js': ['.ts', '.js'],
    };
    return webpackConfig;
  },
  // No X-Powered-By: Next.js (the Express app sends none either).
  poweredByHeader: false,
  // This repository lints with Biome.
  eslint: { ignoreDuringBuilds: true },
};

export default config;
