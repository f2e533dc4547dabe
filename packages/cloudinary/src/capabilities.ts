import type { Capabilities } from '@stowage/core';
import type { DeliveryType } from './asset-key.js';

/**
 * What the Cloudinary driver can do. Public URLs and transformations exist only for the `upload`
 * delivery type; per-object visibility does not exist (every asset has the driver's delivery
 * type), so `visibility` is false and `ObjectInfo.visibility` reports the delivery type.
 */
export function cloudinaryCapabilities(deliveryType: DeliveryType): Capabilities {
  const publicDelivery = deliveryType === 'upload';
  return Object.freeze({
    rangeRead: true,
    list: true,
    copy: true,
    move: true,
    publicUrl: publicDelivery,
    signedUrl: true,
    signedUpload: true,
    visibility: false,
    conditionalWrite: true,
    metadata: true,
    transforms: publicDelivery,
  });
}
