import { EmulatorError } from './http-util.js';
import type { DeliveryType, ResourceType } from './types.js';

const DELIVERY_TYPES: readonly string[] = ['upload', 'private', 'authenticated'];
const RESOURCE_TYPES: readonly string[] = ['image', 'raw', 'video'];

/** A delivery type parameter, defaulting to `upload`. */
export function deliveryTypeOf(value: string | undefined): DeliveryType {
  const type = value || 'upload';
  if (!DELIVERY_TYPES.includes(type)) throw new EmulatorError(400, `Invalid type ${type}`);
  return type as DeliveryType;
}

/** Whether a path segment names a resource type the emulator stores. */
export function isResourceType(value: string): value is ResourceType {
  return RESOURCE_TYPES.includes(value);
}

/** Whether a path segment names a delivery type the emulator stores. */
export function isDeliveryType(value: string): value is DeliveryType {
  return DELIVERY_TYPES.includes(value);
}

/** A resource type for actions on existing assets, where `auto` has no meaning. */
export function concreteResourceType(value: string): ResourceType {
  if (!isResourceType(value)) {
    throw new EmulatorError(400, `Invalid resource type ${value} for this action`);
  }
  return value;
}

/**
 * Cloudinary's public id rules: leading and trailing whitespace and slashes are dropped;
 * `? & # \ % < > +` and control characters are refused; 1 to 255 characters; no empty folder and
 * no folder named like a version (`v123`), which would make delivery URLs ambiguous.
 */
export function normalizePublicId(raw: string, parameter = 'public_id'): string {
  const publicId = raw.replace(/^[\s/]+|[\s/]+$/g, '');
  const problem =
    publicId.length === 0
      ? 'is empty'
      : publicId.length > 255
        ? 'is longer than 255 characters'
        : /[?&#\\%<>+]/.test(publicId)
          ? 'contains one of the forbidden characters ? & # \\ % < > +'
          : hasControlCharacter(publicId)
            ? 'contains a control character'
            : publicId
                  .split('/')
                  .some(
                    (segment, i, all) =>
                      segment === '' || (i < all.length - 1 && /^v\d+$/.test(segment)),
                  )
              ? 'has an empty folder or a folder named like a version (v123)'
              : undefined;
  if (problem) throw new EmulatorError(400, `Invalid ${parameter} (${raw}): it ${problem}`);
  return publicId;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A parameter that must be present and non-empty. */
export function required(value: string | undefined, parameter: string): string {
  if (!value) throw new EmulatorError(400, `Missing required parameter - ${parameter}`);
  return value;
}
