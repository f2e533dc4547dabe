'use client';

import { useEffect, useRef, useState } from 'react';

export const DEFAULT_AVATAR = '/default-avatar.svg';

/** A round avatar; the default icon when there is no image or it fails to load. */
export function Avatar({ src, size = 40 }: { src?: string; size?: number }) {
  const [failed, setFailed] = useState<string>();
  const ref = useRef<HTMLImageElement>(null);
  // An image that failed before React hydrated fired its error event unseen: check once.
  useEffect(() => {
    const img = ref.current;
    if (src && img?.complete && img.naturalWidth === 0) setFailed(src);
  }, [src]);
  const shown = !src || failed === src ? DEFAULT_AVATAR : src;
  return (
    // biome-ignore lint/performance/noImgElement: storage URLs (signed, other hosts) as they are
    <img
      ref={ref}
      className="avatar"
      src={shown}
      alt=""
      width={size}
      height={size}
      onError={() => setFailed(src)}
    />
  );
}
