'use client';

import type { ReactNode } from 'react';

/** A plain POST form that asks for confirmation first. */
export function ConfirmForm(props: { action: string; message: string; children: ReactNode }) {
  return (
    <form
      method="post"
      action={props.action}
      onSubmit={(event) => {
        if (!window.confirm(props.message)) event.preventDefault();
      }}
    >
      {props.children}
    </form>
  );
}
