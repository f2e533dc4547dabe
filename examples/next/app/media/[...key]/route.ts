import { mediaRoute } from '@/lib/media-route';

// The disk driver's files (GET, HEAD) and signed direct uploads (PUT), as web handlers.
const media = mediaRoute('/media');
export const GET = media.GET;
export const HEAD = media.HEAD;
export const PUT = media.PUT;
