import { app } from '@/lib/context';

// /media/_img/...: resized avatars (imageTransforms' handler, see IMAGES_PATH). The folder is
// "%5Fimg" because Next.js keeps folders starting with "_" out of the routes.
const images = (request: Request) => app().imagesHandler(request);
export const GET = images;
export const HEAD = images;
