import { mediaRoute } from '@/lib/media-route';

// R2's media proxy (USE_R2=true; USE_R2_MEDIA_PROXY defaults to true): the bucket served by
// the app, ticket files excepted.
const media = mediaRoute('/media-proxy');
export const GET = media.GET;
export const HEAD = media.HEAD;
