import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { driverName } from '@/lib/context';
import '@stowage/example-shared/style.css';

export const metadata: Metadata = {
  title: { template: '%s · Stowage demo', default: 'Stowage demo' },
  icons: { icon: 'data:,' },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <Link className="brand" href="/">
            Stowage demo
          </Link>
          <nav>
            <Link href="/">Customers</Link>
            <Link href="/tickets">Tickets</Link>
            <Link href="/check-in">Check-in</Link>
          </nav>
          <span className="driver" title="storage driver">
            storage: {driverName()}
          </span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
